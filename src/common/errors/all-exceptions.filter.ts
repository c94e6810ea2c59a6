import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { pgErrorCode, pgErrorDetail } from './pg-errors';
import { pathOf } from '../logging/logging.module';
import { DomainError } from './domain-error';
import { errorBody, ErrorBody } from './error-body';
import { ErrorCode } from './error-codes';

const HTTP_STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** PostgreSQL SQLSTATEs that mean "the database is unreachable right now", not "the code is wrong". */
const DB_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '53300']);
/** SQLSTATEs for text PostgreSQL cannot store (a NUL character, a bad byte sequence): the client's input. */
const DB_UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/**
 * The one place where errors become HTTP responses, always in the contract's shape.
 * Unexpected errors are logged with the correlation id and answered without internals.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const req = ctx.getRequest<FastifyRequest>();
    const body = this.toBody(exception, req.id, req);
    if (reply.sent || reply.raw.headersSent) return;
    if (body.status === 429) reply.header('Retry-After', String(retryAfterSeconds(exception)));
    else if (body.status === 503) reply.header('Retry-After', '1');
    reply.status(body.status).send(body);
  }

  private toBody(exception: unknown, correlationId: string, req: FastifyRequest): ErrorBody {
    if (exception instanceof DomainError) {
      return errorBody(exception.code, exception.message, exception.details, correlationId);
    }
    if (exception instanceof HttpException) {
      return this.fromHttpException(exception, correlationId, req);
    }
    if (DB_UNSTORABLE_TEXT.has(pgErrorCode(exception) ?? '')) {
      return errorBody(
        'VALIDATION_FAILED',
        'Request contains characters that cannot be stored (e.g. NUL)',
        undefined,
        correlationId,
      );
    }
    if (referencesMissingUser(exception)) {
      // A correctly signed token whose user row is gone (e.g. a database reset): the token is no good.
      return errorBody(
        'UNAUTHENTICATED',
        'The token names a user that does not exist',
        undefined,
        correlationId,
      );
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ correlationId, err: String(exception) }, 'database unavailable');
      return errorBody(
        'SERVICE_UNAVAILABLE',
        'Service temporarily unavailable, retry',
        undefined,
        correlationId,
      );
    }
    if (isClientAbort(exception)) {
      // The client hung up mid-body: nobody will read an answer, and a slow-body client must not flood the log.
      this.logger.debug({ correlationId }, 'client closed the request before its body arrived');
      return errorBody('VALIDATION_FAILED', 'Request body incomplete', undefined, correlationId);
    }
    this.logger.error({ correlationId, err: exception }, 'unexpected error');
    return errorBody('INTERNAL_ERROR', 'Unexpected error', undefined, correlationId);
  }

  private fromHttpException(exception: HttpException, correlationId: string, req: FastifyRequest): ErrorBody {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const code = HTTP_STATUS_CODES[status];
    if (!code) {
      if (status >= 500) this.logger.error({ correlationId, err: exception }, 'http exception');
      return errorBody(
        status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED',
        'Request failed',
        undefined,
        correlationId,
      );
    }
    if (status === 404) {
      return errorBody(
        'NOT_FOUND',
        `Route ${req.method} ${pathOf(req.url)} not found`,
        undefined,
        correlationId,
      );
    }
    const raw =
      typeof response === 'object' && response !== null
        ? (response as { message?: unknown; details?: unknown })
        : {};
    // Validation messages, or the per-dependency report of a failed readiness check.
    const details = Array.isArray(raw.message) ? raw.message : raw.details;
    const message =
      typeof raw.message === 'string'
        ? raw.message
        : Array.isArray(raw.message)
          ? 'Request validation failed'
          : exception.message;
    return errorBody(code, message, details, correlationId);
  }
}

/** Node's "aborted" while reading a request body: the client closed the connection. */
function isClientAbort(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  return err?.code === 'ECONNRESET' && err.message === 'aborted';
}

/** foreign_key_violation on a users(id) reference: the only user id we write comes from the token. */
function referencesMissingUser(e: unknown): boolean {
  return pgErrorCode(e) === '23503' && /is not present in table "users"/.test(pgErrorDetail(e));
}

function isDatabaseUnavailable(e: unknown): boolean {
  // TypeORM releases a transaction's connection when PostgreSQL drops it; the transaction's next query or
  // its COMMIT then fails with these (nothing was committed: the server rolled the transaction back).
  if (e instanceof QueryRunnerAlreadyReleasedError || e instanceof QueryRunnerProviderAlreadyReleasedError) {
    return true;
  }
  const err = (e instanceof QueryFailedError ? e.driverError : e) as { code?: string; message?: string };
  if (err?.code && DB_UNAVAILABLE.has(err.code)) return true;
  const msg = err?.message ?? '';
  // "timeout exceeded when trying to connect": pg-pool waited connectionTimeoutMillis for a free connection
  // (every one busy under load) and gave up; that checkout ran nothing (as after any failed connect).
  return /Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    msg,
  );
}

/** RATE_LIMITED always says when to come back: the limiter's own figure, else one second. */
function retryAfterSeconds(e: unknown): number {
  const seconds = (e as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? Math.ceil(seconds) : 1;
}
