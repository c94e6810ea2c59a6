import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { signWebhook } from '../../src/modules/checkout/webhook/webhook-signature';
import { bearer, createAdmin, createOption } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_JWT_SECRET, TEST_WEBHOOK_SECRET } from '../support/test-env';
import { until } from '../support/wait';

/**
 * Secrets never reach the log. The app logs at `info` into a buffer (AppOverrides.logDestination); we
 * drive signup, logins (good and bad), authenticated calls, a refused and an accepted-for-lookup webhook,
 * an SSE stream authenticated by ?access_token= and a few errors, then grep every captured line.
 */
describe('logs never contain secrets', () => {
  const lines: string[] = [];
  let t: TestApp;
  const password = `Pw-${randomUUID()}`;
  const wrongPassword = `Wrong-${randomUUID()}`;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info' }, { logDestination: { write: (line) => lines.push(line) } });
  });
  afterAll(() => t.close());

  it('logs requests, but no password, token, webhook secret or signature', async () => {
    const username = `logger_${Date.now().toString(36)}`;
    await t.http().post('/api/auth/signup').send({ username, password }).expect(201);
    await t.http().post('/api/auth/login').send({ username, password: wrongPassword }).expect(401);
    await t.http().post('/api/auth/signup').send({ username: 'x', password: wrongPassword }).expect(400);
    const login = await t.http().post('/api/auth/login').send({ username, password }).expect(200);
    const token: string = login.body.accessToken;
    await t.http().get('/api/auth/me').set('Authorization', `Bearer ${token}`).expect(200);

    const admin = await createAdmin(t);
    const option = await createOption(t, admin, { seatCount: 2 });
    const hold = await t
      .http()
      .post('/api/reservations/v7/holds')
      .set('Authorization', `Bearer ${token}`)
      .send({ seatId: option.seatIds[0] })
      .expect(201);
    await t.http().get(`/api/reservations/v7/${hold.body.id}`).set(bearer(admin)).expect(404);

    const body = JSON.stringify({
      providerEventId: `evt-${randomUUID()}`,
      eventType: 'PAYMENT',
      status: 'APPROVED',
      reservationId: hold.body.id,
      amount: option.price,
    });
    const signature = signWebhook(TEST_WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000));
    const forged = signWebhook('whsec_forged_secret', body, Math.floor(Date.now() / 1000));
    for (const sig of [signature, forged]) {
      const res = await t
        .http()
        .post('/api/payments/webhooks/pg-ready')
        .set('Content-Type', 'application/json')
        .set('X-PG-Signature', sig)
        .send(body);
      expect(res.status).toBeGreaterThanOrEqual(400); // no PENDING attempt (404/409) or a bad signature (401)
    }

    await openSse(`${t.url}/api/reservations/v7/events?access_token=${encodeURIComponent(token)}`);
    await t.http().get('/api/reservations/v7/events?access_token=not-a-token').expect(401);

    Object.assign(secrets, {
      password,
      wrongPassword,
      jwt: token,
      jwtSignature: token.split('.')[2],
      adminJwt: admin.token,
      jwtSecret: TEST_JWT_SECRET,
      webhookSecret: TEST_WEBHOOK_SECRET,
      webhookSignature: signature.split('v1=')[1],
      forgedSignature: forged.split('v1=')[1],
    });
    // The response's log line follows the response.
    await until(
      async () => lines.join('').includes('/api/payments/webhooks/pg-ready'),
      2000,
      'the log lines',
    );

    const log = lines.join('');
    // The capture works: request lines of what we did are there.
    expect(log).toContain('/api/auth/login');
    expect(log).toContain('/api/payments/webhooks/pg-ready');
    expect(log).toContain('/api/reservations/v7/events');
    for (const [name, secret] of Object.entries(secrets)) {
      expect({ name, found: log.includes(secret) }).toEqual({ name, found: false });
    }
    expect(log).not.toMatch(/access_token=/);
    expect(log).not.toMatch(/Bearer\s+ey/);
  });
});

/** Opens an SSE stream, waits for its headers, then drops it (as a browser tab closing would). */
function openSse(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      expect(res.statusCode).toBe(200);
      expect(String(res.headers['content-type'])).toContain('text/event-stream');
      req.destroy();
      resolve();
    });
    req.on('error', (err) => (req.destroyed ? resolve() : reject(err)));
  });
}
