import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { DestinationStream, Logger } from 'pino';
import pretty, { PrettyOptions } from 'pino-pretty';
import { AppConfig } from '../../config/app-config';

const CORRELATION_HEADER = 'x-correlation-id';
/** pino's number for the info level. */
const INFO = 30;
/** Only echo caller-supplied ids that are safe to log and to put in a header. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** The request id (Fastify's genReqId): the caller's X-Correlation-Id when it is safe, else a new UUID. */
export function correlationIdFor(req: { headers: IncomingHttpHeaders }): string {
  const supplied = req.headers[CORRELATION_HEADER];
  return typeof supplied === 'string' && SAFE_ID.test(supplied) ? supplied : randomUUID();
}

/** Secrets never reach the log: auth headers, cookies, passwords, tokens, webhook signatures. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-pg-signature"]',
  'req.query.access_token',
  'password',
  'accessToken',
  '*.password',
  '*.accessToken',
  '*.token',
];

/** A writable the JSON log lines go to; stdout when none is given. */
export type LogDestination = { write(line: string): unknown };

/**
 * The one pino logger of an app instance. Fastify derives each request's child logger from it (bound to
 * the correlation id), and Nest's Logger writes through it (nestjs-pino, `useExisting`). JSON lines, except
 * on a terminal outside production: there a person reads them (pino-pretty, in this process).
 */
export function createRootLogger(config: AppConfig, destination?: LogDestination): Logger {
  const readable = !destination && process.stdout.isTTY && config.nodeEnv !== 'production';
  if (readable) destination = pretty(prettyOptions());
  return pino(
    {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      hooks: {
        // Fastify's "Server listening at …" is framework chatter (debug): the start-up banner says where
        // the service listens, and is the last line (Fastify writes this one after listen() resolves).
        logMethod(args, method, level) {
          if (level === INFO && typeof args[0] === 'string' && args[0].startsWith('Server listening at '))
            return this.debug(...(args as [string]));
          return method.apply(this, args);
        },
      },
      // The query string can carry an SSE access_token; log only the path.
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: pathOf(req.url) }),
      },
    },
    destination as DestinationStream | undefined,
  );
}

/** A finished request as request-hooks.ts logs it. */
interface RequestLine {
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

/**
 * The terminal's format: one line per log line, so the banner is not scrolled away by a few requests.
 * A finished request reads `POST /api/… 201 12 ms`, with its correlation id; other lines keep their fields.
 */
export function prettyOptions(): PrettyOptions {
  return {
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    ignore: 'pid,hostname,req,res,responseTime',
    messageFormat: (log, messageKey) => {
      const { req, res, responseTime } = log as RequestLine;
      const message = String(log[messageKey] ?? '');
      if (!req || !res) return message;
      return `${req.method} ${req.url} ${res.statusCode} ${Math.round(responseTime ?? 0)} ms`;
    },
  };
}

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

@Module({})
export class LoggingModule {
  /**
   * nestjs-pino as Nest's LoggerService over the app's pino logger (`useExisting`: Fastify logs requests,
   * see common/http/request-hooks.ts). `forRoutes: []` leaves out its per-request middleware: binding each
   * request's logger in AsyncLocalStorage switches on promise hooks for every await, ≈ 30 % of a hold's
   * CPU. So Nest Logger lines written during a request carry its correlation id only when passed
   * explicitly (the exception filter does).
   */
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true, forRoutes: [] })],
    };
  }
}
