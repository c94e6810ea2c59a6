import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { errorBody } from '../common/errors/error-body';
import type { ErrorCode } from '../common/errors/error-codes';
import { securityHeaders } from './security-headers';
import { correlationIdFor } from '../common/logging/logging.module';

type AdapterOptions = NonNullable<ConstructorParameters<typeof FastifyAdapter>[0]>;

/**
 * Fastify's own options: the app's pino logger (each request's child is bound to its correlation id),
 * Express-like routing, and the contract's error shape for the few errors Fastify answers before Nest
 * sees the request (a path that is not valid percent-encoding, an over-long path parameter).
 */
export function fastifyOptions(logger: Logger, behindTls: boolean, trustProxy: string[]): AdapterOptions {
  return {
    // Behind nginx: the client is who the proxy says, and only when the proxy is the one saying it.
    trustProxy: trustProxy.length ? trustProxy : false,
    // While draining (main.ts), a request on a connection accepted before the listener closed is served:
    // the database and Redis stay open until the HTTP server has closed. A 503 here would reach the
    // client, since a balancer does not retry a POST it has sent.
    return503OnClosing: false,
    loggerInstance: logger,
    genReqId: correlationIdFor,
    // One line per request from request-hooks.ts instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: 'correlationId', disableRequestLogging: true }),
    // As Express routed: `/API/Auth/Login/` is `/api/auth/login` (the rate limits key on the route).
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    // (Fastify types this hook generically over every route schema; ours has none.)
    frameworkErrors: (error, request, reply) =>
      answerPathError(error, request as FastifyRequest, reply as FastifyReply),
    clientErrorHandler: (error, socket) => answerClientError(error, socket, behindTls),
  };
}

/**
 * Node's HTTP parser refused the request before Fastify saw it (headers over 16 kB, a garbage request
 * line, a timeout): answered in the contract's shape, with the security headers, and the socket closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket, behindTls: boolean): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message]: [number, ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'Request headers are larger than 16 kB']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'The request took too long to arrive']
        : [400, 'MALFORMED_REQUEST', 'The request is not valid HTTP'];
  const correlationId = randomUUID();
  const body = JSON.stringify(errorBody(code, message, undefined, correlationId));
  const headers = {
    ...securityHeaders(behindTls),
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Correlation-Id': correlationId,
    Connection: 'close',
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  socket.end([`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, ...head, '', body].join('\r\n'));
}

function answerPathError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .status(400)
    .header('X-Correlation-Id', request.id)
    .send(errorBody('VALIDATION_FAILED', 'Request path is not valid', [error.message], request.id));
}
