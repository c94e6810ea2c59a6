import Redis from 'ioredis';
import {
  ADMIN_REFUSAL_RATE_LIMIT,
  HOLDS_RATE_LIMIT,
  LOGIN_RATE_LIMIT,
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
import { rawRequest, refusalProblem } from '../support/http';

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

  it('other routes are not limited', async () => {
    for (let i = 0; i < 40; i++) await a.http().get('/api/concerts').expect(200);
  });
});

describe('rate limits without Redis (in-memory storage) and switched off', () => {
  it('limits login per instance when REDIS_URL is unset', async () => {
    const t = await startTestApp({ RATE_LIMIT_ENABLED: 'true' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i <= LOGIN_RATE_LIMIT.limit; i++)
        statuses.push((await login(t, 'nobody-in-memory')).status);
      expect(statuses.slice(0, LOGIN_RATE_LIMIT.limit)).toEqual(Array(LOGIN_RATE_LIMIT.limit).fill(401));
      expectRateLimited(await login(t, 'nobody-in-memory'), 60);
    } finally {
      await t.close();
    }
  });

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
