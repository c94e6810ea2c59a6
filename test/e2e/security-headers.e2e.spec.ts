import * as http from 'node:http';
import { createAdmin, createOption } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { rawRequest } from '../support/http';

const ALLOWED = 'https://shop.example.com';

describe('security headers (helmet), CORS allowlist and body limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: `${ALLOWED}, https://admin.example.com` });
  });
  afterAll(() => t.close());

  it.each([
    ['a public read', '/api/concerts'],
    ['an error answer', '/api/no-such-route'],
    ['the OpenAPI UI', '/docs'],
  ])('sets helmet headers on %s and hides the framework', async (_what, path) => {
    const res = await rawRequest(t, 'GET', path);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
    // Plain http (BEHIND_TLS unset): no upgrade to https, which would break the page on a LAN address.
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
  });

  it.each(['/socket.io/socket.io.js', '/socket.io/socket.io.min.js'])(
    "sets them on socket.io's client script %s, which socket.io serves outside Fastify",
    async (path) => {
      const res = await rawRequest(t, 'GET', path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('application/javascript');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      // A revalidation (304) carries them too.
      const again = await rawRequest(t, 'GET', path, { 'If-None-Match': String(res.headers.etag) });
      expect(again.status).toBe(304);
      expect(again.headers['x-content-type-options']).toBe('nosniff');
      expect(again.headers['content-security-policy']).toContain("default-src 'self'");
    },
  );

  it('upgrades requests and sets HSTS only behind TLS (BEHIND_TLS=true)', async () => {
    const tls = await startTestApp({ BEHIND_TLS: 'true' }, {}, { reset: false });
    try {
      const res = await rawRequest(tls, 'GET', '/api/concerts');
      expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    } finally {
      await tls.close();
    }
  });

  it('sets the same headers and the correlation id on a streamed SSE answer', async () => {
    const option = await createOption(t, await createAdmin(t), { seatCount: 1 });
    const headers = await sseHeaders(`${t.url}/api/concerts/options/${option.optionId}/seat-events`, {
      'X-Correlation-Id': 'sse-check-1',
    });
    expect(headers['content-type']).toContain('text/event-stream');
    expect(headers['x-correlation-id']).toBe('sse-check-1');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('keeps /docs working under the CSP: same-origin scripts only, and they are served', async () => {
    const html = await rawRequest(t, 'GET', '/docs');
    expect(html.status).toBe(200);
    const csp = String(html.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(csp).toMatch(/img-src 'self' data:/);
    // Swagger UI may only use scripts the CSP allows: external files on our origin, no inline code.
    const scripts = [...html.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, inline] of scripts) {
      expect(inline.trim()).toBe('');
      const src = /src=["']([^"']+)["']/.exec(attrs)?.[1];
      expect(src).toBeDefined();
      expect(src).not.toMatch(/^(https?:)?\/\//);
      const asset = await rawRequest(t, 'GET', new URL(src!, `${t.url}/docs`).pathname);
      expect(asset.status).toBe(200);
    }
    expect((await rawRequest(t, 'GET', '/docs-json')).status).toBe(200);
  });

  it('answers CORS only for origins in CORS_ORIGINS', async () => {
    const preflight = (origin: string) =>
      rawRequest(t, 'OPTIONS', '/api/reservations/v7/holds', {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      });
    const allowed = await preflight(ALLOWED);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(allowed.headers['access-control-allow-methods'])).toContain('POST');
    const denied = await preflight('https://evil.example.net');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await rawRequest(t, 'GET', '/api/concerts', { Origin: 'https://evil.example.net' });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    const ok = await rawRequest(t, 'GET', '/api/concerts', { Origin: ALLOWED });
    expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('sends no CORS headers at all when CORS_ORIGINS is empty (the default)', async () => {
    const closed = await startTestApp({}, {}, { reset: false });
    try {
      const res = await rawRequest(closed, 'GET', '/api/concerts', { Origin: ALLOWED });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await closed.close();
    }
  });

  it('refuses a body over 100kb with 413 PAYLOAD_TOO_LARGE even without a token, before any auth', async () => {
    const body = JSON.stringify({ seatId: 1, pad: 'x'.repeat(101 * 1024) });
    const res = await rawRequest(
      t,
      'POST',
      '/api/reservations/v7/holds',
      { 'Content-Type': 'application/json' },
      body,
    );
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: 413, errorCode: 'PAYLOAD_TOO_LARGE' });
  });
});

/** The response headers of an SSE stream; the stream is then dropped, as a closing tab would. */
function sseHeaders(url: string, headers: Record<string, string>): Promise<http.IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 5000 }, (res) => {
      resolve(res.headers);
      req.destroy();
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
}
