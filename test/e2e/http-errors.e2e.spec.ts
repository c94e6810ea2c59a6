import { expectError } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('HTTP error handling and operations endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('unknown routes', () => {
    it.each([
      ['GET', '/nope'],
      ['GET', '/api/nope'],
      ['POST', '/api/concerts'],
      ['DELETE', '/api/concerts'],
      ['PUT', '/api/auth/signup'],
      ['GET', '/api/auth/signup'],
    ])('%s %s → 404 NOT_FOUND as JSON', async (method, path) => {
      const res = await t
        .http()
        [method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](path)
        .set('Accept', 'text/html');
      expectError(res, 404, 'NOT_FOUND');
    });
  });

  describe('request bodies', () => {
    it('answers 400 MALFORMED_JSON for a body that is not JSON', async () => {
      const res = await t
        .http()
        .post('/api/auth/signup')
        .set('Content-Type', 'application/json')
        .send('{"username": "x", ');
      expectError(res, 400, 'MALFORMED_JSON');
    });

    it.each(['null', '"a string"', '42'])('answers 400 for the non-object JSON body %s', async (raw) => {
      const res = await t.http().post('/api/auth/signup').set('Content-Type', 'application/json').send(raw);
      expect(res.status).toBe(400);
      expect(['MALFORMED_JSON', 'VALIDATION_FAILED']).toContain(res.body.errorCode);
      expectError(res, 400, res.body.errorCode);
    });

    it('answers 413 in the error shape for a body over 100kb, and creates nothing', async () => {
      const body = JSON.stringify({ username: 'big_body', password: 'x'.repeat(101 * 1024) });
      const res = await t.http().post('/api/auth/signup').set('Content-Type', 'application/json').send(body);
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      const rows = await t.dataSource.query(`SELECT 1 FROM users WHERE username = 'big_body'`);
      expect(rows).toHaveLength(0);
    });

    it('accepts a body just under the limit (it is validated, not refused for size)', async () => {
      const body = JSON.stringify({ username: 'near_limit', password: 'x'.repeat(90 * 1024) });
      const res = await t.http().post('/api/auth/signup').set('Content-Type', 'application/json').send(body);
      expectError(res, 400, 'VALIDATION_FAILED'); // password too long, but the body was read
    });

    it('answers 400, not 500, for a deeply nested body', async () => {
      const depth = 3000;
      const res = await t
        .http()
        .post('/api/auth/signup')
        .set('Content-Type', 'application/json')
        .send(`{"username":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it('answers 400, not 500, for text PostgreSQL cannot store (NUL)', async () => {
      const res = await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'nul\u0000user', password: 'whatever1' });
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it('answers 400 for an unreadable body encoding, as JSON', async () => {
      const res = await t
        .http()
        .post('/api/auth/signup')
        .set('Content-Type', 'application/json; charset=latin9')
        .send('{}');
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expectError(res, res.status, res.body.errorCode);
    });

    it('answers 400 for a bad percent-encoding in the path, as JSON', async () => {
      const res = await t.http().get('/api/concerts/%E0%A4%A/options');
      expectError(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('correlation ids', () => {
    it('echoes a supplied X-Correlation-Id and puts it in the error body', async () => {
      const res = await t.http().get('/nope').set('X-Correlation-Id', 'test-corr-123');
      expectError(res, 404, 'NOT_FOUND');
      expect(res.headers['x-correlation-id']).toBe('test-corr-123');
      expect(res.body.correlationId).toBe('test-corr-123');
    });

    it('generates one when none is supplied, the same in header and body', async () => {
      const res = await t.http().get('/nope');
      expectError(res, 404, 'NOT_FOUND');
      expect(res.headers['x-correlation-id']).toMatch(UUID);
      expect(res.body.correlationId).toBe(res.headers['x-correlation-id']);
      const other = await t.http().get('/nope');
      expect(other.headers['x-correlation-id']).not.toBe(res.headers['x-correlation-id']);
    });

    it('replaces a supplied id that is unsafe to log or echo', async () => {
      const res = await t.http().get('/nope').set('X-Correlation-Id', 'bad id <script>');
      expect(res.headers['x-correlation-id']).toMatch(UUID);
      expect(res.body.correlationId).toBe(res.headers['x-correlation-id']);
      const long = await t.http().get('/nope').set('X-Correlation-Id', 'a'.repeat(101));
      expect(long.headers['x-correlation-id']).toMatch(UUID);
    });

    it('sets the header on successful responses too', async () => {
      const res = await t.http().get('/api/concerts').set('X-Correlation-Id', 'ok-42').expect(200);
      expect(res.headers['x-correlation-id']).toBe('ok-42');
    });
  });

  describe('operations endpoints', () => {
    it('serves the OpenAPI UI at /docs', async () => {
      const res = await t.http().get('/docs').redirects(2).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toMatch(/swagger/i);
    });

    it('serves the OpenAPI document at /docs-json with the contract paths', async () => {
      const res = await t.http().get('/docs-json').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const paths = res.body.paths as Record<string, Record<string, unknown>>;
      expect(paths['/api/auth/signup']).toHaveProperty('post');
      expect(paths['/api/auth/login']).toHaveProperty('post');
      expect(paths['/api/auth/me']).toHaveProperty('get');
      expect(paths['/api/concerts']).toHaveProperty('get');
      expect(paths['/api/concerts/{id}/options']).toHaveProperty('get');
      expect(paths['/api/concerts/options/{optionId}/seats']).toHaveProperty('get');
      expect(paths['/api/concerts/options/{optionId}/seat-map']).toHaveProperty('get');
      expect(paths['/api/admin/concerts']).toHaveProperty('post');
    });

    it('reports live', async () => {
      await t.http().get('/health/live').expect(200, { status: 'ok' });
    });

    it('reports ready with the database up', async () => {
      const res = await t.http().get('/health/ready').expect(200);
      expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    });
  });
});
