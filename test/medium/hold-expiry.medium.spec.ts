import { EventEmitter2 } from '@nestjs/event-emitter';
import Redis from 'ioredis';
import { EXPIRY_QUEUE } from '../../src/modules/reservation/expiry/expiry-queue';
import { ExpirySweeper } from '../../src/modules/reservation/expiry/expiry-sweeper';
import { HoldsExpired } from '../../src/modules/reservation/expiry/hold-expiry.service';
import { RedisExpiryQueue } from '../../src/modules/reservation/expiry/redis-expiry-queue';
import { HoldService } from '../../src/modules/reservation/hold.service';
import { ReservationModule } from '../../src/modules/reservation/reservation.module';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import {
  DEAD_REDIS_URL,
  DUE_KEY,
  expiredEventCounts,
  freshRedis,
  insertHolds,
  metric,
  PROCESSING_KEY,
  reservationStatus,
} from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
import { TEST_REDIS_URL } from '../support/test-env';
import { until } from '../support/wait';

const WITH_REDIS = { REDIS_URL: TEST_REDIS_URL, HOLD_TTL_SECONDS: '1' };

/** Hold expiry (the reservation module alone) on real Redis and PostgreSQL, with a 1 s hold TTL. */
describe('hold expiry with Redis', () => {
  let ctx: ModuleContext;
  let redis: Redis;
  let fan: Fan;
  let seatIds: number[];
  const hold = (seatId: number) => ctx.get(HoldService).hold(fan.principal, seatId);
  const statusIs = (id: number, status: string) => async () => (await reservationStatus(ctx, id)) === status;

  beforeAll(async () => {
    redis = await freshRedis();
    ctx = await startModules([ReservationModule], { env: WITH_REDIS });
    fan = await ctx.newUser();
    seatIds = (await ctx.newShow({ seats: 10 })).seatIds;
  });
  afterAll(async () => {
    await ctx?.close();
    await redis?.quit();
  });

  it('queues a hold at its deadline and expires it within 1 s of it, exactly once', async () => {
    const held = await hold(seatIds[0]);
    expect(Number(await redis.zscore(DUE_KEY, String(held.id)))).toBe(held.holdExpiresAt.getTime());

    await until(statusIs(held.id, 'EXPIRED'), 3000, 'EXPIRED');
    const [row] = await ctx.dataSource.query(
      `SELECT extract(epoch FROM expired_at - hold_expires_at) * 1000 AS late,
              (SELECT status FROM seats WHERE id = $2) AS seat
         FROM reservations WHERE id = $1`,
      [held.id, seatIds[0]],
    );
    expect(Number(row.late)).toBeGreaterThanOrEqual(0);
    expect(Number(row.late)).toBeLessThan(1000);
    expect(row.seat).toBe('AVAILABLE');
    expect((await expiredEventCounts(ctx)).get(held.id)).toBe(1);
    expect(await redis.zscore(DUE_KEY, String(held.id))).toBeNull();
    await until(async () => (await redis.zcard(PROCESSING_KEY)) === 0, 1000, 'lease released');
    expect(await metric(ctx, 'checkout_expiries_total{source="queue"}')).toBe(1);
    expect(await metric(ctx, 'checkout_expiry_lateness_seconds_count')).toBe(1);
  });

  it('forgets a cancelled hold', async () => {
    const held = await hold(seatIds[1]);
    expect(await redis.zscore(DUE_KEY, String(held.id))).not.toBeNull();
    await ctx.get(ReservationTransitions).cancelUnpaid(fan.principal, held.id);
    expect(await redis.zscore(DUE_KEY, String(held.id))).toBeNull();
  });

  it('treats a duplicate or early signal as harmless', async () => {
    const queue = ctx.get<RedisExpiryQueue>(EXPIRY_QUEUE);
    const held = await hold(seatIds[2]);
    // Another instance re-queues it as due right now: the claim finds it not yet due in SQL and skips it.
    await redis.zadd(DUE_KEY, Date.now() - 10, String(held.id));
    await queue.tick();
    expect(await reservationStatus(ctx, held.id)).toBe('HOLD');
    await redis.zadd(DUE_KEY, held.holdExpiresAt.getTime(), String(held.id));
    await until(statusIs(held.id, 'EXPIRED'), 3000, 'EXPIRED');
    await redis.zadd(DUE_KEY, Date.now() - 10, String(held.id)); // and a late duplicate of the signal
    await queue.tick();
    expect((await expiredEventCounts(ctx)).get(held.id)).toBe(1);
  });

  it('re-seeds Redis from the database at start-up, scores rounded up to the millisecond', async () => {
    const show = await ctx.newShow({ seats: 2 });
    // A deadline with microseconds, as a row written by SQL could have; an hour away so nothing fires.
    const [row] = await ctx.dataSource.query(`SELECT now() + interval '3600.1234567 seconds' AS due`);
    const [id] = await insertHolds(ctx, fan.id, [show.seatIds[0]], [row.due]);
    const [exact] = await ctx.dataSource.query(
      `SELECT extract(epoch FROM hold_expires_at) * 1000 AS ms FROM reservations WHERE id = $1`,
      [id],
    );
    expect(await redis.zscore(DUE_KEY, String(id))).toBeNull();

    const second = await startModules([ReservationModule], { env: WITH_REDIS, reset: false });
    try {
      await until(async () => (await redis.zscore(DUE_KEY, String(id))) !== null, 3000, 're-seed');
      expect(Number(await redis.zscore(DUE_KEY, String(id)))).toBe(Math.ceil(Number(exact.ms)));
    } finally {
      await second.close();
    }
    await ctx.dataSource.query(`UPDATE reservations SET status = 'CANCELLED' WHERE id = $1`, [id]);
  });

  it('still expires holds after Redis is flushed, through the database sweeper', async () => {
    const held = await hold(seatIds[3]);
    await redis.flushdb();
    // Past the deadline and the sweeper's 1 s grace, the next sweep takes it (they run every 5 s).
    ctx.clock.advance(2500);
    try {
      expect(await ctx.get(ExpirySweeper).sweepOnce()).toBe(1);
    } finally {
      ctx.clock.reset();
    }
    expect(await reservationStatus(ctx, held.id)).toBe('EXPIRED');
    expect((await expiredEventCounts(ctx)).get(held.id)).toBe(1);
    expect(await metric(ctx, 'checkout_expiries_total{source="sweeper"}')).toBe(1);
  });
});

/** REDIS_URL points at a port where nothing listens: holds keep working, expiry falls back to the sweeper. */
describe('hold expiry when Redis is unreachable', () => {
  let ctx: ModuleContext;

  beforeAll(async () => {
    ctx = await startModules([ReservationModule], {
      env: { REDIS_URL: DEAD_REDIS_URL, HOLD_TTL_SECONDS: '1' },
    });
  });
  afterAll(() => ctx?.close());

  it('takes holds and expires them through the database sweeper', async () => {
    const fan = await ctx.newUser();
    const { seatIds } = await ctx.newShow({ seats: 2 });
    const held = await ctx.get(HoldService).hold(fan.principal, seatIds[0]);
    ctx.clock.advance(2500); // no queue signal will come: past deadline and grace, the sweeper takes it
    expect(await ctx.get(ExpirySweeper).sweepOnce()).toBe(1);
    expect(await reservationStatus(ctx, held.id)).toBe('EXPIRED');
    expect((await expiredEventCounts(ctx)).get(held.id)).toBe(1);
    expect(await metric(ctx, 'checkout_expiries_total{source="sweeper"}')).toBe(1);
  });
});

/**
 * Two instances (real clock) share Redis and PostgreSQL. The 200 holds are inserted with SQL and every id
 * is queued through BOTH instances' EXPIRY_QUEUE, so each sees every deadline and both race for every claim.
 */
describe('hold expiry across two instances', () => {
  const HOLDS = 200;
  let a: ModuleContext;
  let b: ModuleContext;
  let redis: Redis;
  const expiredBy = { a: 0, b: 0 };

  beforeAll(async () => {
    redis = await freshRedis();
    a = await startModules([ReservationModule], { env: WITH_REDIS });
    b = await startModules([ReservationModule], { env: WITH_REDIS, reset: false });
    a.get(EventEmitter2).on(HoldsExpired.event, (e: HoldsExpired) => (expiredBy.a += e.holds.length));
    b.get(EventEmitter2).on(HoldsExpired.event, (e: HoldsExpired) => (expiredBy.b += e.holds.length));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.quit();
  });

  it('expires 200 holds with exactly 200 transitions and no duplicate events', async () => {
    const { seatIds } = await a.newShow({ seats: HOLDS });
    const fan = await a.newUser();
    // Deadlines spread over 500 ms starting 800 ms from now, whole milliseconds as the app writes them.
    const start = Date.now() + 800;
    const dueAt = seatIds.map((_, i) => new Date(start + Math.floor((i * 500) / HOLDS)));
    const ids = await insertHolds(a, fan.id, seatIds, dueAt);
    const queues = [a, b].map((ctx) => ctx.get<RedisExpiryQueue>(EXPIRY_QUEUE));
    await Promise.all(queues.flatMap((q) => ids.map((id, i) => q.add(id, dueAt[i]))));
    expect(await redis.zcard(DUE_KEY)).toBe(HOLDS);

    const expiredCount = async () =>
      Number(
        (await a.dataSource.query(`SELECT count(*) AS n FROM reservations WHERE status = 'EXPIRED'`))[0].n,
      );
    await until(async () => (await expiredCount()) === HOLDS, 5000, `${HOLDS} EXPIRED`);
    // Any straggling duplicate claim runs in a pass; after one more pass of each, nothing is left to run.
    await Promise.all(queues.map((q) => q.tick()));

    expect(await expiredCount()).toBe(HOLDS);
    expect(expiredBy.a + expiredBy.b).toBe(HOLDS);
    const events = await expiredEventCounts(a);
    expect(events.size).toBe(HOLDS);
    expect([...events.values()].every((n) => n === 1)).toBe(true);
    const [seats] = await a.dataSource.query(
      `SELECT count(*) FILTER (WHERE status = 'AVAILABLE')::int AS free,
              (SELECT count(*)::int FROM outbox_events WHERE seat_status = 'AVAILABLE') AS events
         FROM seats WHERE id = ANY($1)`,
      [seatIds],
    );
    expect(seats).toEqual({ free: HOLDS, events: HOLDS });
    const [late] = await a.dataSource.query(
      `SELECT max(extract(epoch FROM expired_at - hold_expires_at) * 1000) AS max FROM reservations WHERE id = ANY($1)`,
      [ids],
    );
    expect(Number(late.max)).toBeLessThan(1000);
  });
});
