import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../infra/metrics/metrics.service';
import { pathOf } from '../common/logging/logging.module';

/** Probes and scrapes would drown the request log. */
const UNLOGGED_PATHS = new Set(['/health/live', '/metrics']);

/**
 * Per-request plumbing, as plain Fastify hooks (no Express-style middleware on the hot path):
 * - X-Correlation-Id on every response (streamed SSE answers copy it, see takeOverResponse);
 * - one log line per finished request (`request completed`, with the correlation id Fastify bound to
 *   `request.log`), skipped cheaply when `info` is off;
 * - the latency histogram, labelled by the matched route pattern (bounded cardinality), or `unmatched`.
 */
export function registerRequestHooks(fastify: FastifyInstance, logger: Logger, metrics: Metrics): void {
  const logRequests = logger.isLevelEnabled('info');
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Correlation-Id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    metrics.httpDuration.observe(
      { method: request.method, route: route ?? 'unmatched', status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    if (logRequests) {
      const path = pathOf(request.url);
      if (!UNLOGGED_PATHS.has(path)) {
        request.log.info(
          { req: request.raw, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime },
          'request completed',
        );
      }
    }
    done();
  });
}
