import * as net from 'node:net';
import * as jwt from 'jsonwebtoken';
import { startAppChild } from '../support/app-child';
import { createUser } from '../support/factories';
import { connectSocket, openSse } from '../../support/realtime-clients';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_JWT_SECRET } from '../support/test-env';
import { until } from '../support/wait';

/** Raw bytes to the server, the whole answer back (the server closes the connection after answering). */
function rawExchange(url: string, bytes: string | Buffer): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

/** Hardening 9: the edges where Fastify, Node or socket.io answered on their own, and expired tokens. */
describe('hardening 9: every answer in the contract shape, no push after a token expires', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('answers headers over 16 kB with 431 in the contract shape and the security headers', async () => {
    const answer = await rawExchange(
      t.url,
      `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toMatch(/\r\ncontent-security-policy: /i);
    expect(bodyOf(answer)).toMatchObject({
      status: 431,
      errorCode: 'HEADERS_TOO_LARGE',
      correlationId: expect.any(String),
    });
  });

  it('answers a garbage request line with 400 in the contract shape', async () => {
    const answer = await rawExchange(t.url, 'GARBAGE\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(answer)).toMatchObject({ status: 400, errorCode: 'MALFORMED_REQUEST' });
  });

  it('refuses tokens without exp, and a sub beyond the integer range, with 401', async () => {
    const noExp = jwt.sign({ sub: '1', role: 'USER' }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    const hugeSub = jwt.sign({ sub: '99999999999', role: 'USER' }, TEST_JWT_SECRET, {
      algorithm: 'HS256',
      expiresIn: 60,
    });
    for (const token of [noExp, hugeSub]) {
      const res = await t.http().get('/api/auth/me').set('Authorization', `Bearer ${token}`);
      expect([res.status, res.body.errorCode]).toEqual([401, 'UNAUTHENTICATED']);
    }
  });

  it('closes a socket and an SSE stream when their token expires, saying why', async () => {
    const fan = await createUser(t);
    const shortLived = jwt.sign({ sub: String(fan.id), role: 'USER' }, TEST_JWT_SECRET, {
      algorithm: 'HS256',
      expiresIn: 2,
    });
    const socket = await connectSocket(t.url, shortLived);
    const notices: unknown[] = [];
    socket.socket.on('SESSION_EXPIRED', (notice: unknown) => notices.push(notice));
    const sse = await openSse(`${t.url}/api/reservations/v7/events`, {
      Authorization: `Bearer ${shortLived}`,
    });
    try {
      await until(
        async () => !socket.socket.connected && sse.raw().includes('event: SESSION_EXPIRED'),
        8000,
        'both closed',
      );
      expect(notices).toEqual([{ errorCode: 'UNAUTHENTICATED', message: expect.stringMatching(/refresh/) }]);
    } finally {
      socket.close();
      sse.close();
    }
  });

  it("puts the security headers on socket.io's own HTTP answers", async () => {
    const res = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('does not log a client that hangs up mid-body as an error', async () => {
    const child = await startAppChild({ LOG_LEVEL: 'info' });
    try {
      const { port } = new URL(child.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"u',
      );
      // Both waits stay fixed: the server gives no sign that it has read the partial body, and the test
      // proves that an error is NOT logged after the hang-up, which only time can show.
      await new Promise((resolve) => setTimeout(resolve, 300));
      socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const errors = child.proc.tail.split('\n').filter((line) => line.includes('"level":50'));
      expect(errors).toEqual([]);
    } finally {
      await child.proc.stop('SIGTERM');
    }
  });
});
