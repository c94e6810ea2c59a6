import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppConfig } from '../../config/app-config';

const CORRELATION_HEADER = 'x-correlation-id';
/** Only echo caller-supplied ids that are safe to log and to put in a header. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

type WithId = IncomingMessage & { id?: string };

/** Express middleware, first in the chain: sets req.id and the X-Correlation-Id response header. */
export function assignCorrelationId(req: WithId, res: ServerResponse, next: () => void): void {
  req.id = correlationIdFor(req, res);
  next();
}

export function correlationIdFor(req: IncomingMessage, res: ServerResponse): string {
  const existing = (req as WithId).id;
  if (existing) return existing;
  const supplied = req.headers[CORRELATION_HEADER];
  const id = typeof supplied === 'string' && SAFE_ID.test(supplied) ? supplied : randomUUID();
  res.setHeader('X-Correlation-Id', id);
  return id;
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

@Module({})
export class LoggingModule {
  static forRoot(destination?: LogDestination): DynamicModule {
    return { module: LoggingModule, imports: [pinoLogger(destination)] };
  }
}

function pinoLogger(destination?: LogDestination): DynamicModule {
  return LoggerModule.forRootAsync({
    inject: [AppConfig],
    useFactory: (config: AppConfig) => {
      const options = {
        level: config.logLevel,
        genReqId: correlationIdFor,
        redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
        customProps: (req: IncomingMessage) => ({
          correlationId: (req as IncomingMessage & { id?: unknown }).id,
        }),
        // The query string can carry an SSE access_token; log only the path.
        serializers: {
          req: (req: { id: unknown; method: string; url: string }) => ({
            id: req.id,
            method: req.method,
            url: req.url.split('?')[0],
          }),
        },
        autoLogging: {
          ignore: (req: IncomingMessage) => req.url === '/health/live' || req.url === '/metrics',
        },
      };
      return { pinoHttp: destination ? [options, destination as DestinationStream] : options };
    },
  });
}
