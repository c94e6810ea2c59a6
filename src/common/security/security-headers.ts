import helmet from 'helmet';

/**
 * helmet's defaults (nosniff, frameguard, HSTS, no referrer, CORP/COOP, ...) with one change to the
 * Content-Security-Policy: Swagger UI at /docs loads its bundle from the same origin but sets inline
 * styles and shows data: images, and its "Try it out" calls the API itself. Those all fit `'self'`,
 * `'unsafe-inline'` styles and `data:` images, which helmet's default CSP already allows; the explicit
 * directives below keep it that way if helmet's defaults change. The API answers JSON, where CSP is moot.
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
