import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { DomainError } from '../common/errors/domain-error';

const BODY_LIMIT_BYTES = 100 * 1024;

type WithRawBody = FastifyRequest & { rawBody?: Buffer };

/**
 * The only request body the API reads is JSON, in UTF-8 (RFC 8259), up to 100 kB:
 * - the exact bytes are kept as `req.rawBody`, because the webhook signature covers them;
 * - an empty body is no body (a client that sends `Content-Type: application/json` on a POST without
 *   one, as many fetch wrappers do, gets the same answer as one that sends nothing);
 * - `__proto__` / `constructor.prototype` keys are refused (secure-json-parse, as Fastify's default);
 * - any other content type, or another charset, is 415 (Fastify's text/plain parser is removed too).
 */
export function registerJsonBody(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (req: WithRawBody, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
      if (charset && !/^utf-?8$/i.test(charset)) {
        done(new DomainError('UNSUPPORTED_MEDIA_TYPE', 'JSON bodies must be UTF-8'));
        return;
      }
      req.rawBody = body;
      if (body.length === 0) {
        done(null, undefined);
        return;
      }
      try {
        done(null, secureJson.parse(body, undefined, { protoAction: 'error', constructorAction: 'error' }));
      } catch {
        done(new DomainError('MALFORMED_JSON', 'Request body is not valid JSON'));
      }
    },
  );
}
