import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * helmet's defaults (nosniff, frameguard, HSTS, no referrer, CORP/COOP, ...) with one change to the
 * Content-Security-Policy: Swagger UI at /docs loads its bundle from the same origin but sets inline
 * styles and shows data: images, and its "Try it out" calls the API itself. Those all fit `'self'`,
 * `'unsafe-inline'` styles and `data:` images, which helmet's default CSP already allows; the explicit
 * directives below keep it that way if helmet's defaults change. The demo page at / (public/) fits the
 * same rules on purpose: its script and stylesheet are same-origin files (no inline code), the socket.io
 * client is served by the server itself, and its websocket goes to the page's own host, which
 * `connect-src 'self'` allows (CSP Level 3). The API answers JSON, where CSP is moot.
 */
export function registerSecurityHeaders(fastify: FastifyInstance, behindTls: boolean): void {
  const headers = securityHeaders(behindTls);
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}

/**
 * helmet's answer for these options is the same for every request (no CSP nonces), so it is worked out
 * once, by running helmet against a response that only records what is set, and then copied onto each
 * reply: helmet itself (or @fastify/helmet, which builds a new helmet per request) was ≈ 3 % of a hold.
 */
const computed = new Map<boolean, Record<string, string>>();

/**
 * The headers every response carries (also socket.io's and the HTTP parser's own answers, which Fastify's
 * hooks never see). `behindTls` (BEHIND_TLS): the service is reached over https through a proxy.
 */
export function securityHeaders(behindTls: boolean): Record<string, string> {
  let headers = computed.get(behindTls);
  if (!headers) computed.set(behindTls, (headers = helmetHeaders(behindTls)));
  return headers;
}

/**
 * Over plain http (a LAN address, a VM name) `upgrade-insecure-requests` would make a browser fetch the
 * page's own scripts and styles over https and fail, and HSTS would be ignored anyway: both only when
 * the service sits behind TLS. So does Cross-Origin-Opener-Policy, which browsers ignore on plain http
 * (and say so in the console).
 */
function helmetHeaders(behindTls: boolean): Record<string, string> {
  const recorded: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => (recorded[name] = String(value)),
    removeHeader: (name: string) => delete recorded[name],
  };
  helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'upgrade-insecure-requests': behindTls ? [] : null,
      },
    },
    strictTransportSecurity: behindTls,
    // Ignored by browsers on an origin that is neither https nor localhost, with a console error each load.
    crossOriginOpenerPolicy: behindTls,
  })({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return recorded;
}
