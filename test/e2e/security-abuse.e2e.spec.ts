import Redis from 'ioredis';
import {
  ADMIN_REFUSAL_RATE_LIMIT,
  HOLDS_RATE_LIMIT,
  LOGIN_RATE_LIMIT,
  SEAT_LOCKS_RATE_LIMIT,
} from '../../src/modules/auth/rate-limit/rate-limits';
import {
  bearer,
  createAdmin,
  createOption,
  createUser,
  signUpAndLogIn,
  TestOption,
  TestUser,
} from '../support/factories';
import { checkout } from '../support/checkout';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';
import { jsonFrom, rawRequest, RawResponse, refusalProblem } from '../support/http';

const login = (t: TestApp, username: string, password = 'wrong-password', path = '/api/auth/login') =>
  rawRequest(t, 'POST', path, { 'Content-Type': 'application/json' }, JSON.stringify({ username, password }));

/** A USER's refund override (403 and a DENIED audit row) and another admin route (403). */
const refundOverride = (t: TestApp, user: TestUser, reservationId: number) =>
  rawRequest(
    t,
    'POST',
    `/api/reservations/v7/admin/${reservationId}/refund`,
    { ...bearer(user), 'Content-Type': 'application/json' },
    JSON.stringify({ reason: '=HYPERLINK("http://evil.example") free text in the audit' }),
  );
const createConcert = (t: TestApp, user: TestUser) =>
  rawRequest(
    t,
    'POST',
    '/api/admin/concerts',
    { ...bearer(user), 'Content-Type': 'application/json' },
    JSON.stringify({ title: 'Not mine to make' }),
  );
const deniedRows = async (t: TestApp, user: TestUser) =>
  (
    await t.dataSource.query(
      `SELECT count(*)::int AS n FROM admin_refund_audit_logs WHERE actor_user_id = $1 AND result = 'DENIED'`,
      [user.id],
    )
  )[0].n as number;

function expectRateLimited(res: Awaited<ReturnType<typeof rawRequest>>, maxSeconds: number): void {
  expect(refusalProblem(res)).toBeUndefined();
  expect([res.status, (res.body as { errorCode: string }).errorCode]).toEqual([429, 'RATE_LIMITED']);
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
}

describe('rate limits (RATE_LIMIT_ENABLED=true, Redis storage)', () => {
  let redis: Redis;
  let a: TestApp;
  let b: TestApp;
  let admin: TestUser;
  let option: TestOption;

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    await redis.flushdb();
    const env = {
      RATE_LIMIT_ENABLED: 'true',
      REDIS_URL: TEST_REDIS_URL,
      MAX_ACTIVE_HOLDS_PER_USER: '0',
    };
    a = await startTestApp(env);
    // A second instance on the same database and Redis: counters must be shared, not per process.
    b = await startTestApp(env, {}, { reset: false });
    admin = await createAdmin(a);
    option = await createOption(a, admin, { seatCount: 40 });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.flushdb();
    redis?.disconnect();
  });

  it(`login: ${LOGIN_RATE_LIMIT.limit} attempts per minute per IP+username, then 429 with Retry-After on every instance`, async () => {
    const victim = await signUpAndLogIn(a, 'victim');
    for (let i = 0; i < LOGIN_RATE_LIMIT.limit - 1; i++) {
      expect((await login(i % 2 ? a : b, victim.username)).status).toBe(401);
    }
    // The login of signUpAndLogIn counted as well: the limit is now reached on both instances.
    expectRateLimited(await login(a, victim.username), 60);
    expectRateLimited(await login(b, victim.username, 'password-123'), 60); // even the right password
    // The same username in other spellings, and the same route with a trailing slash, share the counter.
    expectRateLimited(await login(a, victim.username.toUpperCase()), 60);
    expectRateLimited(await login(a, victim.username, 'x', '/api/auth/login/'), 60);
    // Another account from the same IP is not locked out.
    const other = await createUser(a, 'bystander');
    expect((await login(a, other.username, 'password-123')).status).toBe(200);
    // The counters live in Redis under the throttler's prefix.
    expect((await redis.keys('throttle:login:*')).length).toBeGreaterThan(0);
  });

  it(`holds: ${HOLDS_RATE_LIMIT.limit} per ${HOLDS_RATE_LIMIT.ttlMs / 1000} s per user; the refused hold creates nothing`, async () => {
    const greedy = await createUser(a, 'greedy');
    const calm = await createUser(a, 'calm');
    const hold = (t: TestApp, user: TestUser, seatId: number) => checkout(t, user).hold(seatId);
    // Unknown seats answer 404 but count: the limit is on attempts, not on successes.
    const statuses: number[] = [];
    for (let i = 0; i < HOLDS_RATE_LIMIT.limit; i++) {
      statuses.push(
        (await hold(i % 2 ? a : b, greedy, i < 3 ? option.seatIds[i] : 2_000_000_000 + i)).status,
      );
    }
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    const refused = await rawRequest(
      a,
      'POST',
      '/api/reservations/v7/holds',
      { ...bearer(greedy), 'Content-Type': 'application/json' },
      JSON.stringify({ seatId: option.seatIds[10] }),
    );
    expectRateLimited(refused, HOLDS_RATE_LIMIT.ttlMs / 1000);
    const rows = await a.dataSource.query('SELECT count(*)::int AS n FROM reservations WHERE user_id = $1', [
      greedy.id,
    ]);
    expect(rows).toEqual([{ n: 3 }]);
    // Another user is not slowed down by the greedy one.
    await hold(b, calm, option.seatIds[10]).expect(201);
  });

  it(`admin routes called by a USER: ${ADMIN_REFUSAL_RATE_LIMIT.limit} a minute across routes and instances, then 429 and no DENIED row`, async () => {
    const fan = await createUser(a, 'would-be-admin');
    const bystander = await createUser(a, 'other-fan');
    const { limit } = ADMIN_REFUSAL_RATE_LIMIT;
    const reservationId = (await checkout(a, bystander).hold(option.seatIds[20]).expect(201)).body
      .id as number;
    const statuses: number[] = [];
    for (let i = 0; i < limit; i++) {
      const t = i % 2 ? a : b;
      statuses.push(
        (await (i < limit - 2 ? refundOverride(t, fan, reservationId) : createConcert(t, fan))).status,
      );
    }
    expect(statuses).toEqual(Array(limit).fill(403));
    expect(await deniedRows(a, fan)).toBe(limit - 2);
    // Past the limit, on either instance and on any admin route: 429 with Retry-After, and no audit row.
    expectRateLimited(await refundOverride(a, fan, reservationId), 60);
    expectRateLimited(await refundOverride(b, fan, reservationId), 60);
    expectRateLimited(await createConcert(b, fan), 60);
    expect(await deniedRows(a, fan)).toBe(limit - 2);
    expect((await redis.keys('throttle:admin-refused:*')).length).toBeGreaterThan(0);
    // The fan's own routes are not limited; another fan's refusal is still a 403 with its DENIED row; an
    // admin is never counted.
    expect((await rawRequest(a, 'GET', '/api/auth/me', bearer(fan))).status).toBe(200);
    expect((await refundOverride(a, bystander, reservationId)).status).toBe(403);
    expect(await deniedRows(a, bystander)).toBe(1);
    for (let i = 0; i <= limit; i++) expect((await createConcert(i % 2 ? a : b, admin)).status).toBe(201);
  });

  it(`seat locks: ${SEAT_LOCKS_RATE_LIMIT.limit} lock calls (acquire and release together) per ${SEAT_LOCKS_RATE_LIMIT.ttlMs / 1000} s per user, on every instance`, async () => {
    const clicker = await createUser(a, 'clicker');
    const calm = await createUser(a, 'calm-clicker');
    const path = (seatId: number) => `/api/reservations/v7/locks/seats/${seatId}`;
    const [seatId, otherSeat] = [option.seatIds[30], option.seatIds[31]];
    // Lock and release in turn, on both instances: 30 calls, none refused.
    const statuses: number[] = [];
    for (let i = 0; i < SEAT_LOCKS_RATE_LIMIT.limit; i++) {
      const t = i % 4 < 2 ? a : b;
      const call = i % 2 ? t.http().delete(path(seatId)) : t.http().post(path(seatId));
      statuses.push((await call.set(bearer(clicker))).status);
    }
    expect(statuses).toEqual(Array(SEAT_LOCKS_RATE_LIMIT.limit).fill(200));
    // The 31st, a lock of another seat, is refused on either instance and takes no lock; so is a release.
    const auth = bearer(clicker);
    expectRateLimited(await rawRequest(b, 'POST', path(otherSeat), auth), SEAT_LOCKS_RATE_LIMIT.ttlMs / 1000);
    expectRateLimited(await rawRequest(a, 'DELETE', path(seatId), auth), SEAT_LOCKS_RATE_LIMIT.ttlMs / 1000);
    const map = await a.http().get(`/api/concerts/options/${option.optionId}/seat-map`).expect(200);
    const status = (id: number) =>
      (map.body as { id: number; status: string }[]).find((s) => s.id === id)?.status;
    expect([status(seatId), status(otherSeat)]).toEqual(['AVAILABLE', 'AVAILABLE']);
    // Another user is not slowed down by the clicker.
    await b.http().post(path(otherSeat)).set(bearer(calm)).expect(200);
  });

  it('other routes are not limited', async () => {
    for (let i = 0; i < 40; i++) await a.http().get('/api/concerts').expect(200);
  });
});

/**
 * One app for the limits kept in memory (no REDIS_URL), per address and per username. The login-flood and
 * accounts-per-address checks come from test/e2e/hardening/login-flood.e2e.spec.ts (hardening 1) and
 * test/e2e/hardening/accounts-per-ip.e2e.spec.ts (hardening 2); each used its own address range, as here.
 */
describe('rate limits without Redis (in-memory storage)', () => {
  let t: TestApp;
  let fan: TestUser;
  let option: TestOption;
  const loginFrom = (from: string, username: string, password = 'p'.repeat(128)) =>
    jsonFrom(t, from, 'POST', '/api/auth/login', { username, password });
  const signupFrom = (from: string, username: string) =>
    jsonFrom(t, from, 'POST', '/api/auth/signup', { username, password: 'password-123' });
  const accountFrom = async (from: string, username: string): Promise<TestUser> => {
    const created = await signupFrom(from, username);
    const res = await jsonFrom(t, from, 'POST', '/api/auth/login', { username, password: 'password-123' });
    return {
      id: (created.body as { id: number }).id,
      username,
      token: (res.body as { accessToken: string }).accessToken,
    };
  };
  const holdFrom = (from: string, user: TestUser, seatId: number) =>
    jsonFrom(t, from, 'POST', '/api/reservations/v7/holds', { seatId }, user.token);
  const codes = (responses: RawResponse[]) =>
    responses.reduce<Record<string, number>>((n, r) => {
      const key = `${r.status}`;
      return { ...n, [key]: (n[key] ?? 0) + 1 };
    }, {});

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_ENABLED: 'true',
      MAX_ACTIVE_HOLDS_PER_IP: '20',
      MAX_ACTIVE_HOLDS_PER_USER: '4',
    });
    fan = await createUser(t); // through 127.0.0.1, before any flood
    option = await createOption(t, await createAdmin(t), { seatCount: 60 });
  });
  afterAll(() => t?.close());

  it('limits login per instance when REDIS_URL is unset', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LOGIN_RATE_LIMIT.limit; i++)
      statuses.push((await login(t, 'nobody-in-memory')).status);
    expect(statuses.slice(0, LOGIN_RATE_LIMIT.limit)).toEqual(Array(LOGIN_RATE_LIMIT.limit).fill(401));
    expectRateLimited(await login(t, 'nobody-in-memory'), 60);
  });

  it('limits one address across usernames (30 a minute), with Retry-After', async () => {
    const responses: RawResponse[] = [];
    for (let i = 0; i < 40; i++) responses.push(await loginFrom('127.0.7.1', `nobody_${i}`));
    expect(codes(responses)).toEqual({ 401: 30, 429: 10 });
    const limited = responses.at(-1)!;
    expect(limited.body).toMatchObject({ status: 429, errorCode: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The fan, from another address, logs in as usual.
    expect((await loginFrom('127.0.7.2', fan.username, 'password-123')).status).toBe(200);
  });

  it('answers 429 at once when the password-hashing queue is full, and never a 5xx', async () => {
    // 240 logins from 120 addresses (2 each, far under the per-address limit), all at once: more than
    // three times the 4 running and 64 waiting hashes the queue takes, so that the queue fills even when a
    // busy machine delivers them slower than bcrypt drains it. The excess costs little: a 429 hashes nothing.
    const flood = await Promise.all(
      Array.from({ length: 240 }, (_, i) => loginFrom(`127.0.8.${1 + Math.floor(i / 2)}`, `flood_${i}`)),
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
    expect((await loginFrom('127.0.7.3', fan.username, 'password-123')).status).toBe(200);
  });

  it('allows 10 sign-ups per address in 10 minutes, then 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await signupFrom('127.0.5.1', `army_${i}`)).status);
    expect(statuses).toEqual([...Array(10).fill(201), 429, 429]);
    expect((await signupFrom('127.0.5.2', 'someone_else')).status).toBe(201);
  });

  it('stops 13 accounts × 4 holds from one address at 20 live holds; a fan elsewhere still gets a seat', async () => {
    const accounts: TestUser[] = [];
    for (let i = 0; i < 13; i++) accounts.push(await accountFrom(`127.0.6.${i + 1}`, `holder_${i}`)); // each signs up elsewhere
    const results = [];
    let seat = 0;
    for (const user of accounts)
      for (let k = 0; k < 4; k++) results.push(await holdFrom('127.0.4.1', user, option.seatIds[seat++]));
    expect(results.filter((r) => r.status === 201)).toHaveLength(20);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(32);
    for (const r of refused) expect(r.body).toMatchObject({ status: 409, errorCode: 'HOLD_LIMIT_REACHED' });
    const realFan = await accountFrom('127.0.3.1', 'real_fan');
    expect((await holdFrom('127.0.3.1', realFan, option.seatIds[seat])).status).toBe(201);
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^checkout_rate_limited_total\{limit="holds-per-ip"\} 32$/m);
    expect(metrics).toMatch(/^checkout_rate_limited_total\{limit="signup"\} [1-9]/m);
  });
});

describe('rate limits switched off', () => {
  it('never answers 429 with RATE_LIMIT_ENABLED=false', async () => {
    const t = await startTestApp({ RATE_LIMIT_ENABLED: 'false' });
    try {
      for (let i = 0; i < LOGIN_RATE_LIMIT.limit + 2; i++)
        expect((await login(t, 'nobody-off')).status).toBe(401);
      // Nor on admin routes: every refused override is a 403 with its DENIED row.
      const [admin, fan] = [await createAdmin(t), await createUser(t)];
      const option = await createOption(t, admin, { seatCount: 1 });
      const reservationId = (await checkout(t, fan).hold(option.seatIds[0]).expect(201)).body.id as number;
      const overrides = ADMIN_REFUSAL_RATE_LIMIT.limit + 2;
      for (let i = 0; i < overrides; i++)
        expect((await refundOverride(t, fan, reservationId)).status).toBe(403);
      expect(await deniedRows(t, fan)).toBe(overrides);
    } finally {
      await t.close();
    }
  });
});

describe('per-user cap on active holds per option (MAX_ACTIVE_HOLDS_PER_USER)', () => {
  let t: TestApp;
  let admin: TestUser;
  let option: TestOption;
  let other: TestOption;
  const hold = (user: TestUser, seatId: number) => checkout(t, user).hold(seatId);

  beforeAll(async () => {
    t = await startTestApp(); // default cap: 4
    admin = await createAdmin(t);
    option = await createOption(t, admin, { seatCount: 10 });
    other = await createOption(t, admin, { seatCount: 2 });
  });
  afterAll(() => t.close());

  it('default 4: the 5th active hold on one option is 409 HOLD_LIMIT_REACHED; a cancelled one frees a slot', async () => {
    const user = await createUser(t, 'cap');
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await hold(user, option.seatIds[i]).expect(201)).body.id);
    // PAYING counts as active too.
    await t.http().post(`/api/reservations/v7/${ids[0]}/paying`).set(bearer(user)).expect(200);

    const fifth = await rawRequest(
      t,
      'POST',
      '/api/reservations/v7/holds',
      { ...bearer(user), 'Content-Type': 'application/json' },
      JSON.stringify({ seatId: option.seatIds[4] }),
    );
    expect(refusalProblem(fifth)).toBeUndefined();
    expect([fifth.status, (fifth.body as { errorCode: string }).errorCode]).toEqual([
      409,
      'HOLD_LIMIT_REACHED',
    ]);
    const seat = await t.dataSource.query('SELECT status FROM seats WHERE id = $1', [option.seatIds[4]]);
    expect(seat).toEqual([{ status: 'AVAILABLE' }]);

    // The cap is per option and per user.
    await hold(user, other.seatIds[0]).expect(201);
    const neighbour = await createUser(t, 'capn');
    await hold(neighbour, option.seatIds[5]).expect(201);

    await t.http().post(`/api/reservations/v7/${ids[0]}/cancel`).set(bearer(user)).expect(200);
    await hold(user, option.seatIds[4]).expect(201);
    expect((await hold(user, option.seatIds[6])).body.errorCode).toBe('HOLD_LIMIT_REACHED');
  });

  it('0 means unlimited', async () => {
    const unlimited = await startTestApp({ MAX_ACTIVE_HOLDS_PER_USER: '0' }, {}, { reset: false });
    try {
      const user = await createUser(unlimited, 'nocap');
      const opt = await createOption(unlimited, admin, { seatCount: 6 });
      for (const seatId of opt.seatIds) {
        await checkout(unlimited, user).hold(seatId).expect(201);
      }
    } finally {
      await unlimited.close();
    }
  });
});
