import { FastifyAdapter } from '@nestjs/platform-fastify';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { errorBody } from '../common/errors/error-body';
import { correlationIdFor } from '../common/logging/logging.module';

type AdapterOptions = NonNullable<ConstructorParameters<typeof FastifyAdapter>[0]>;

/**
 * Fastify's own options: the app's pino logger (each request's child is bound to its correlation id),
 * Express-like routing, and the contract's error shape for the few errors Fastify answers before Nest
 * sees the request (a path that is not valid percent-encoding, an over-long path parameter).
 */
export function fastifyOptions(logger: Logger): AdapterOptions {
  return {
    loggerInstance: logger,
    genReqId: correlationIdFor,
    // One line per request from request-hooks.ts instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: 'correlationId', disableRequestLogging: true }),
    // As Express routed: `/API/Auth/Login/` is `/api/auth/login` (the rate limits key on the route).
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    // (Fastify types this hook generically over every route schema; ours has none.)
    frameworkErrors: (error, request, reply) =>
      answerPathError(error, request as FastifyRequest, reply as FastifyReply),
  };
}

function answerPathError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .status(400)
    .header('X-Correlation-Id', request.id)
    .send(errorBody('VALIDATION_FAILED', 'Request path is not valid', [error.message], request.id));
}
