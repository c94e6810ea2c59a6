import { createUser, TestUser } from '../../support/factories';
import { jsonFrom, RawResponse } from '../../support/http';
import { startTestApp, TestApp } from '../../support/test-app';

/**
 * Hardening 1: login as a denial of service. Many usernames from one address are limited per address,
 * and a crowd of addresses cannot queue unbounded bcrypt work: the excess is 429 at once.
 */
describe('hardening 1: a login flood cannot slow everyone down', () => {
  let t: TestApp;
  let fan: TestUser;
  const login = (from: string, username: string, password = 'p'.repeat(128)) =>
    jsonFrom(t, from, 'POST', '/api/auth/login', { username, password });
  const codes = (responses: RawResponse[]) =>
    responses.reduce<Record<string, number>>((n, r) => {
      const key = `${r.status}`;
      return { ...n, [key]: (n[key] ?? 0) + 1 };
    }, {});

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_ENABLED: 'true' });
    fan = await createUser(t); // through 127.0.0.1, before the flood
  });
  afterAll(() => t?.close());

  it('limits one address across usernames (30 a minute), with Retry-After', async () => {
    const responses: RawResponse[] = [];
    for (let i = 0; i < 40; i++) responses.push(await login('127.0.7.1', `nobody_${i}`));
    expect(codes(responses)).toEqual({ 401: 30, 429: 10 });
    const limited = responses.at(-1)!;
    expect(limited.body).toMatchObject({ status: 429, errorCode: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The fan, from another address, logs in as usual.
    expect((await login('127.0.7.2', fan.username, 'password-123')).status).toBe(200);
  });

  it('answers 429 at once when the password-hashing queue is full, and never a 5xx', async () => {
    // 240 logins from 120 addresses (2 each, far under the per-address limit), all at once: more than
    // three times the 4 running and 64 waiting hashes the queue takes, so that the queue fills even when a
    // busy machine delivers them slower than bcrypt drains it. The excess costs little: a 429 hashes nothing.
    const flood = await Promise.all(
      Array.from({ length: 240 }, (_, i) => login(`127.0.8.${1 + Math.floor(i / 2)}`, `flood_${i}`)),
    );
    const tally = codes(flood);
    expect(Object.keys(tally).sort()).toEqual(['401', '429']);
    expect(tally[429]).toBeGreaterThan(0);
    for (const r of flood.filter((r) => r.status === 429)) {
      expect(r.body).toMatchObject({ errorCode: 'RATE_LIMITED' });
      expect(r.headers['retry-after']).toBe('1');
    }
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^checkout_rate_limited_total\{limit="password-hashing"\} [1-9]/m);
    expect((await login('127.0.7.3', fan.username, 'password-123')).status).toBe(200);
  });
});
