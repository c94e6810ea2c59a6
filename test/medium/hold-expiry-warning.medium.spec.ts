import Redis from 'ioredis';
import { ExpirySweeper } from '../../src/modules/reservation/expiry/expiry-sweeper';
import { ReservationModule } from '../../src/modules/reservation/reservation.module';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import { DUE_KEY, freshRedis, insertHolds, reservationStatus } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
import { TEST_REDIS_URL } from '../support/test-env';
import { until } from '../support/wait';

/** A 3 s hold warned 2 s before its deadline: short enough to watch, long enough to tell the two apart. */
const WARNING_ENV = { HOLD_TTL_SECONDS: '3', HOLD_EXPIRY_WARNING_SECONDS: '2' };

interface Warning {
  reservationId: number;
  payload: {
    reservationId: number;
    userId: number;
    seatId: number;
    optionId: number;
    holdExpiresAt: string;
    secondsLeft: number;
  };
  occurredAt: Date;
}

async function warnings(ctx: ModuleContext): Promise<Warning[]> {
  return ctx.dataSource.query(
    `SELECT reservation_id AS "reservationId", payload, occurred_at AS "occurredAt"
       FROM outbox_events WHERE event_type = 'HOLD_EXPIRING' ORDER BY id`,
  );
}
const warningsOf = async (ctx: ModuleContext, id: number) =>
  (await warnings(ctx)).filter((w) => w.reservationId === id);

describe.each([
  ['the Redis queue', { REDIS_URL: TEST_REDIS_URL }],
  ['the in-process queue', {}],
])('HOLD_EXPIRING through %s', (_name, queueEnv) => {
  let ctx: ModuleContext;
  let redis: Redis | undefined;
  let fan: Fan;
  let seatIds: number[];
  let next = 0;
  const seat = () => seatIds[next++];

  beforeAll(async () => {
    if ('REDIS_URL' in queueEnv) redis = await freshRedis();
    ctx = await startModules([ReservationModule], { env: { ...queueEnv, ...WARNING_ENV } });
    fan = await ctx.newUser();
    seatIds = (await ctx.newShow({ seats: 40 })).seatIds;
  });
  afterAll(async () => {
    await ctx?.close();
    await redis?.quit();
  });

  it('writes one warning HOLD_EXPIRY_WARNING_SECONDS before the deadline, then the expiry, nothing more', async () => {
    const held = await ctx.hold(fan, seat());
    await until(async () => (await warningsOf(ctx, held.id)).length > 0, 5000, 'the warning');
    const [warning] = await warningsOf(ctx, held.id);
    expect(warning.payload).toEqual({
      reservationId: held.id,
      orderId: held.orderId,
      userId: fan.id,
      seatId: held.seatId,
      optionId: held.optionId,
      holdExpiresAt: held.holdExpiresAt.toISOString(),
      secondsLeft: 2,
    });
    // Not before its time (queue and clock agree), and while the hold is still live.
    expect(warning.occurredAt.getTime()).toBeGreaterThanOrEqual(held.holdExpiresAt.getTime() - 2000);
    expect(warning.occurredAt.getTime()).toBeLessThan(held.holdExpiresAt.getTime());
    await until(async () => (await reservationStatus(ctx, held.id)) === 'EXPIRED', 5000, 'EXPIRED');
    expect(await warningsOf(ctx, held.id)).toHaveLength(1);
  });

  it('warns a PAYING hold too, and never a cancelled one', async () => {
    const cancelled = await ctx.hold(fan, seat());
    const paying = await ctx.toPaying(fan, seat());
    await ctx.get(ReservationTransitions).cancelUnpaid(fan.principal, cancelled.id);
    await until(async () => (await warningsOf(ctx, paying)).length === 1, 5000, 'the PAYING warning');
    await until(async () => (await reservationStatus(ctx, paying)) === 'EXPIRED', 5000, 'EXPIRED');
    expect(await warningsOf(ctx, cancelled.id)).toEqual([]);
  });

  it('warns through the sweeper what no queue signalled (a restart without Redis, a flushed Redis)', async () => {
    const [row] = await ctx.dataSource.query(`SELECT now() + interval '60 seconds' AS due`);
    const [id] = await insertHolds(ctx, fan.id, [seat()], [row.due]); // never queued
    ctx.clock.advance(59_000); // warning time (due − 2 s) plus the sweeper's 1 s grace has passed
    try {
      await ctx.get(ExpirySweeper).sweepOnce();
    } finally {
      ctx.clock.reset();
    }
    const [warning] = await warningsOf(ctx, id);
    expect(warning.payload.secondsLeft).toBe(1);
    await ctx.get(ExpirySweeper).sweepOnce();
    expect(await warningsOf(ctx, id)).toHaveLength(1);
    await ctx.dataSource.query(`UPDATE reservations SET status = 'CANCELLED' WHERE id = $1`, [id]);
  });
});

describe('HOLD_EXPIRING with two instances on one Redis', () => {
  let a: ModuleContext;
  let b: ModuleContext;
  let redis: Redis;

  beforeAll(async () => {
    redis = await freshRedis();
    const env = { REDIS_URL: TEST_REDIS_URL, ...WARNING_ENV };
    a = await startModules([ReservationModule], { env });
    b = await startModules([ReservationModule], { env, reset: false });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.quit();
  });

  it('warns each of 20 holds exactly once, whichever instance took it', async () => {
    const fans = await Promise.all(Array.from({ length: 20 }, () => a.newUser()));
    const { seatIds } = await a.newShow({ seats: 20 });
    const held = await Promise.all(fans.map((fan, i) => (i % 2 ? b : a).hold(fan, seatIds[i])));
    const ids = held.map((h) => h.id);
    await until(
      async () =>
        (await Promise.all(ids.map((id) => reservationStatus(a, id)))).every((s) => s === 'EXPIRED'),
      8000,
      'all expired',
    );
    const counts = new Map<number, number>();
    for (const w of await warnings(a)) counts.set(w.reservationId, (counts.get(w.reservationId) ?? 0) + 1);
    expect(ids.map((id) => counts.get(id))).toEqual(ids.map(() => 1));
  });

  it('re-seeds a warning only for holds not yet warned', async () => {
    const fan = await a.newUser();
    const { seatIds } = await a.newShow({ seats: 2 });
    const [row] = await a.dataSource.query(`SELECT now() + interval '1 hour' AS due`);
    const [warned, unwarned] = await insertHolds(a, fan.id, seatIds, [row.due, row.due]);
    await a.dataSource.query(`UPDATE reservations SET expiry_warned_at = now() WHERE id = $1`, [warned]);
    const third = await startModules([ReservationModule], {
      env: { REDIS_URL: TEST_REDIS_URL, ...WARNING_ENV },
      reset: false,
    });
    try {
      await until(async () => (await redis.zscore(DUE_KEY, String(unwarned))) !== null, 3000, 're-seed');
      expect(await redis.zscore(DUE_KEY, `w:${unwarned}`)).not.toBeNull();
      expect(await redis.zscore(DUE_KEY, String(warned))).not.toBeNull();
      expect(await redis.zscore(DUE_KEY, `w:${warned}`)).toBeNull();
    } finally {
      await third.close();
    }
    await a.dataSource.query(`UPDATE reservations SET status = 'CANCELLED' WHERE id = ANY($1)`, [
      [warned, unwarned],
    ]);
  });
});
