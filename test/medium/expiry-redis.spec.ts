import Redis from 'ioredis';
import { checkout } from '../support/checkout';
import { createAdmin, createOption, createUser, TestUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import {
  DUE_KEY,
  EXPIRY_REDIS_URL,
  expiredEventCounts,
  freshRedis,
  insertHolds,
  metric,
  PROCESSING_KEY,
  statusOf,
  waitFor,
} from './expiry-fixtures';

/** Hold expiry through the Redis scheduler, on real Redis and PostgreSQL with a 1 s hold TTL. */
describe('hold expiry with Redis', () => {
  let t: TestApp;
  let redis: Redis;
  let user: TestUser;
  let seatIds: number[];

  beforeAll(async () => {
    redis = await freshRedis();
    t = await startTestApp({ REDIS_URL: EXPIRY_REDIS_URL, HOLD_TTL_SECONDS: '1' });
    const admin = await createAdmin(t);
    seatIds = (await createOption(t, admin, { seatCount: 10 })).seatIds;
    user = await createUser(t);
  });

  afterAll(async () => {
    await t?.close();
    await redis?.quit();
  });

  it('queues a hold at its deadline and expires it within 1 s of it, exactly once', async () => {
    const held = await checkout(t, user).hold(seatIds[0]).expect(201);
    const id: number = held.body.id;
    const deadline = new Date(held.body.holdExpiresAt).getTime();
    expect(Number(await redis.zscore(DUE_KEY, String(id)))).toBe(deadline);

    // Read the row directly: a GET would expire the hold on read and hide the scheduler.
    await waitFor(async () => (await statusOf(t.dataSource, id)) === 'EXPIRED', 3000, 'EXPIRED');
    const [row] = await t.dataSource.query(
      `SELECT extract(epoch FROM expired_at - hold_expires_at) * 1000 AS late,
              (SELECT status FROM seats WHERE id = $2) AS seat
         FROM reservations WHERE id = $1`,
      [id, seatIds[0]],
    );
    expect(Number(row.late)).toBeGreaterThanOrEqual(0);
    expect(Number(row.late)).toBeLessThan(1000);
    expect(row.seat).toBe('AVAILABLE');
    expect((await expiredEventCounts(t.dataSource)).get(id)).toBe(1);
    expect(await redis.zscore(DUE_KEY, String(id))).toBeNull();
    await waitFor(async () => (await redis.zcard(PROCESSING_KEY)) === 0, 1000, 'lease released');
    expect(await metric(t, 'checkout_expiries_total{source="queue"}')).toBe(1);
    expect(await metric(t, 'checkout_expiry_lateness_seconds_count')).toBe(1);
  });

  it('forgets a cancelled hold', async () => {
    const held = await checkout(t, user).hold(seatIds[1]).expect(201);
    expect(await redis.zscore(DUE_KEY, String(held.body.id))).not.toBeNull();
    await checkout(t, user).cancel(held.body.id).expect(200);
    expect(await redis.zscore(DUE_KEY, String(held.body.id))).toBeNull();
  });

  it('treats a duplicate or early signal as harmless', async () => {
    const held = await checkout(t, user).hold(seatIds[2]).expect(201);
    const id: number = held.body.id;
    // Another instance re-queues it as due right now: the claim finds it not yet due in SQL and skips it.
    await redis.zadd(DUE_KEY, Date.now() - 10, String(id));
    await new Promise((r) => setTimeout(r, 400));
    expect(await statusOf(t.dataSource, id)).toBe('HOLD');
    await redis.zadd(DUE_KEY, new Date(held.body.holdExpiresAt).getTime(), String(id));
    await waitFor(async () => (await statusOf(t.dataSource, id)) === 'EXPIRED', 3000, 'EXPIRED');
    await new Promise((r) => setTimeout(r, 300));
    expect((await expiredEventCounts(t.dataSource)).get(id)).toBe(1);
  });

  it('re-seeds Redis from the database at start-up, scores rounded up to the millisecond', async () => {
    const option = await createOption(t, await createAdmin(t), { seatCount: 2 });
    // A deadline with microseconds, as a row written by SQL could have; an hour away so nothing fires.
    const [row] = await t.dataSource.query(`SELECT now() + interval '3600.1234567 seconds' AS due`);
    const [id] = await insertHolds(t.dataSource, user.id, [option.seatIds[0]], [row.due]);
    const [exact] = await t.dataSource.query(
      `SELECT extract(epoch FROM hold_expires_at) * 1000 AS ms FROM reservations WHERE id = $1`,
      [id],
    );
    expect(await redis.zscore(DUE_KEY, String(id))).toBeNull();

    const second = await startTestApp(
      { REDIS_URL: EXPIRY_REDIS_URL, HOLD_TTL_SECONDS: '1' },
      {},
      { reset: false },
    );
    try {
      await waitFor(async () => (await redis.zscore(DUE_KEY, String(id))) !== null, 3000, 're-seed');
      expect(Number(await redis.zscore(DUE_KEY, String(id)))).toBe(Math.ceil(Number(exact.ms)));
    } finally {
      await second.close();
    }
    await t.dataSource.query(`UPDATE reservations SET status = 'CANCELLED' WHERE id = $1`, [id]);
  });

  it('still expires holds after Redis is flushed, through the database sweeper', async () => {
    const held = await checkout(t, user).hold(seatIds[3]).expect(201);
    const id: number = held.body.id;
    await redis.flushdb();
    // Deadline 1 s away, sweeper grace 1 s, sweeps every 5 s: at most ~7 s.
    await waitFor(async () => (await statusOf(t.dataSource, id)) === 'EXPIRED', 9000, 'sweeper expiry');
    expect((await expiredEventCounts(t.dataSource)).get(id)).toBe(1);
    expect(await metric(t, 'checkout_expiries_total{source="sweeper"}')).toBeGreaterThanOrEqual(1);
  }, 15000);
});
