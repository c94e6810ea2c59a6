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
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
      },
    },
  });
}
