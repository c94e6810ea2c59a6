import Redis from 'ioredis';
import { AdmissionModule } from '../../src/modules/admission/admission.module';
import { AdmissionTicker } from '../../src/modules/admission/waiting-room/admission-ticker';
import { WaitingRoomService } from '../../src/modules/admission/waiting-room/waiting-room.service';
import { freshRedis, insertHolds, insertShow, insertUser } from '../support/fixtures';
import { ModuleContext, startModules } from '../support/module-harness';
import { TEST_REDIS_URL } from '../support/test-env';

/** A whole second, so that ticks fall in the periods the test means. */
const T0 = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3600_000);

/**
 * The waiting room's queue and admission (the admission module alone) on the real Redis, and the same
 * rules in memory without it, on a frozen FakeClock: each tick is driven by hand, one second apart.
 */
describe.each([
  ['Redis', { REDIS_URL: TEST_REDIS_URL }],
  ['in-process', {}],
])('waiting room (%s store)', (_name, storeEnv) => {
  let ctx: ModuleContext;
  let redis: Redis | undefined;
  let rooms: WaitingRoomService;
  let ticker: AdmissionTicker;

  const newRoom = async (settings: { rate: number; cap: number; ttl?: number; opensAt?: Date }) => {
    const { concertId, seatIds } = await insertShow(ctx, { seats: 5 });
    await rooms.configure(concertId, {
      enabled: true,
      admissionPerMinute: settings.rate,
      maxActiveUsers: settings.cap,
      activeTtlSeconds: settings.ttl ?? 600,
      opensAt: settings.opensAt?.toISOString(),
    });
    return { concertId, seatIds };
  };
  /** Fans need no rows for the queue itself; ids are enough (holds use real users). */
  let nextFan = 1_000_000;
  const fans = (n: number) => Array.from({ length: n }, () => nextFan++);
  const joinAll = async (concertId: number, ids: number[]) => {
    for (const id of ids) await rooms.join(id, concertId);
  };
  const tick = async () => {
    ctx.clock.advance(1000);
    await ticker.tickNow();
  };
  const activeOf = async (concertId: number, ids: number[]) =>
    (await rooms.statuses(concertId, ids)).filter((s) => s.status === 'ACTIVE').map((s) => s.userId);

  beforeAll(async () => {
    redis = 'REDIS_URL' in storeEnv ? await freshRedis() : undefined;
    ctx = await startModules([AdmissionModule], { env: storeEnv });
    rooms = ctx.get(WaitingRoomService);
    ticker = ctx.get(AdmissionTicker);
    // Ticks by hand only: a background tick (every wall-clock second) would admit mid-test.
    await ticker.onApplicationShutdown();
  });
  beforeEach(() => ctx.clock.freezeAt(T0));
  afterAll(async () => {
    await ctx?.close();
    await redis?.quit();
  });

  it('ranks 1,000 joins 1..1000, in join order, with no gap or duplicate; a repeated join keeps its place', async () => {
    const { concertId } = await newRoom({ rate: 60, cap: 10 });
    const ids = fans(1000);
    const ranks: (number | null)[] = [];
    for (const id of ids) ranks.push((await rooms.join(id, concertId)).rank);
    expect(ranks).toEqual(ids.map((_, i) => i + 1));
    const again = await rooms.join(ids[499], concertId);
    expect(again).toMatchObject({ status: 'WAITING', rank: 500, waitingCount: 1000 });
    const looked = await rooms.statuses(concertId, ids);
    expect(looked.map((s) => s.rank)).toEqual(ids.map((_, i) => i + 1));
    expect(new Set(looked.map((s) => s.rank)).size).toBe(1000);
    // Leaving closes the gap behind the leaver.
    await rooms.leave(ids[0], concertId);
    expect((await rooms.status(ids[1], concertId)).rank).toBe(1);
    expect((await rooms.status(ids[999], concertId)).rank).toBe(999);
    expect((await rooms.status(ids[0], concertId)).status).toBe('NONE');
    // Joining again goes to the back, once: ranks stay 1..n with no duplicate.
    expect((await rooms.join(ids[0], concertId)).rank).toBe(1000);
    const rejoined = await rooms.statuses(concertId, [ids[1], ids[0]]);
    expect(rejoined.map((s) => [s.rank, s.waitingCount])).toEqual([
      [1, 1000],
      [1000, 1000],
    ]);
  });

  it('admits exactly rate × time over 10 ticks, first come first served', async () => {
    const { concertId } = await newRoom({ rate: 90, cap: 1000 }); // 1.5 a second
    const ids = fans(40);
    await joinAll(concertId, ids);
    const admittedAfter: number[] = [];
    for (let i = 0; i < 10; i++) {
      await tick();
      admittedAfter.push((await activeOf(concertId, ids)).length);
    }
    expect(admittedAfter).toEqual([1, 3, 4, 6, 7, 9, 10, 12, 13, 15]);
    expect(await activeOf(concertId, ids)).toEqual(ids.slice(0, 15));
    const first = await rooms.status(ids[0], concertId);
    expect(first).toMatchObject({ status: 'ACTIVE', rank: 0, estimatedWaitSeconds: 0 });
    expect(first.activeExpiresAt!.getTime()).toBe(T0.getTime() + 1000 + 600_000);
    const waiting = await rooms.status(ids[15], concertId);
    expect(waiting).toMatchObject({ status: 'WAITING', rank: 1, waitingCount: 25, estimatedWaitSeconds: 1 });
  });

  it('never admits past the cap, and refills a slot as soon as it frees', async () => {
    const { concertId } = await newRoom({ rate: 600, cap: 5, ttl: 10 });
    const ids = fans(30);
    await joinAll(concertId, ids);
    const activeCounts: number[] = [];
    for (let i = 0; i < 40; i++) {
      if (i === 3) await rooms.leave(ids[0], concertId); // frees its slot at once
      await tick();
      activeCounts.push((await rooms.view(concertId)).activeCount);
    }
    expect(Math.max(...activeCounts)).toBe(5);
    expect(activeCounts[3]).toBe(5); // the leaver's slot went to the next fan in the same tick
    // Slots last 10 s: after 40 s the first batches are gone and later fans were admitted.
    expect((await rooms.status(ids[1], concertId)).status).toBe('NONE');
    expect((await rooms.status(ids[20], concertId)).status).toBe('ACTIVE');
  });

  it('shuffles the pre-queue once at opensAt: a permutation, not the join order, ahead of later joins', async () => {
    const { concertId } = await newRoom({ rate: 60_000, cap: 1000, opensAt: new Date(T0.getTime() + 5000) });
    const early = fans(200);
    await joinAll(concertId, early);
    const before = await rooms.status(early[0], concertId);
    expect(before).toMatchObject({ status: 'WAITING', rank: null, estimatedWaitSeconds: 5 });
    ctx.clock.advance(5000); // opensAt: the next join opens the room before it queues
    const late = fans(5);
    await joinAll(concertId, late);
    const ranks = (await rooms.statuses(concertId, early)).map((s) => s.rank!);
    expect([...ranks].sort((a, b) => a - b)).toEqual(early.map((_, i) => i + 1));
    const lateRanks = (await rooms.statuses(concertId, late)).map((s) => s.rank);
    expect(lateRanks).toEqual([201, 202, 203, 204, 205]);
    // Spearman's rank correlation of join order and queue order: about N(0, 0.07) for a fair shuffle.
    const n = ranks.length;
    const d2 = ranks.reduce((sum, rank, i) => sum + (rank - (i + 1)) ** 2, 0);
    const rho = 1 - (6 * d2) / (n * (n * n - 1));
    expect(Math.abs(rho)).toBeLessThan(0.3);
    expect(ranks.filter((rank, i) => rank === i + 1).length).toBeLessThan(10); // about 1 fixed point expected
  });

  it('keeps a fan mid-payment past activeTtlSeconds and frees the slot when the reservation ends', async () => {
    const { concertId, seatIds } = await newRoom({ rate: 60, cap: 1, ttl: 10 });
    const [fan, next] = [await insertUser(ctx), await insertUser(ctx)];
    await joinAll(concertId, [fan, next]);
    await tick();
    expect((await rooms.status(fan, concertId)).status).toBe('ACTIVE');
    const [reservation] = await insertHolds(ctx, fan, [seatIds[0]], [new Date(T0.getTime() + 300_000)]);
    ctx.clock.advance(15_000); // past the admission's 10 s
    await tick();
    expect((await rooms.status(fan, concertId)).status).toBe('ACTIVE');
    expect((await rooms.status(next, concertId)).status).toBe('WAITING');
    await ctx.dataSource.query(`UPDATE reservations SET status = 'PAYING' WHERE id = $1`, [reservation]);
    await tick();
    expect((await rooms.status(fan, concertId)).status).toBe('ACTIVE');
    await ctx.dataSource.query(`UPDATE reservations SET status = 'CONFIRMED' WHERE id = $1`, [reservation]);
    await tick(); // the slot frees and goes to the next fan in the same tick
    expect((await rooms.status(fan, concertId)).status).toBe('NONE');
    expect((await rooms.status(next, concertId)).status).toBe('ACTIVE');
  });

  it('answers ACTIVE at once for a disabled room, and 404 for an unknown concert', async () => {
    const { concertId } = await newRoom({ rate: 60, cap: 1 });
    await rooms.configure(concertId, { enabled: false, admissionPerMinute: 60, maxActiveUsers: 1 });
    const [fan] = fans(1);
    expect(await rooms.join(fan, concertId)).toEqual({
      userId: fan,
      concertId,
      status: 'ACTIVE',
      rank: 0,
      waitingCount: 0,
      estimatedWaitSeconds: 0,
      activeExpiresAt: null,
    });
    await expect(rooms.join(fan, 999_999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('waiting room with two instances on one Redis', () => {
  let a: ModuleContext;
  let b: ModuleContext;
  let redis: Redis;

  beforeAll(async () => {
    redis = await freshRedis();
    a = await startModules([AdmissionModule], { env: { REDIS_URL: TEST_REDIS_URL } });
    b = await startModules([AdmissionModule], { env: { REDIS_URL: TEST_REDIS_URL }, reset: false });
    for (const ctx of [a, b]) await ctx.get(AdmissionTicker).onApplicationShutdown(); // ticks by hand only
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.quit();
  });

  it('admits each fan exactly once and exactly rate × time, whichever instance ticks', async () => {
    for (const ctx of [a, b]) ctx.clock.freezeAt(T0);
    const { concertId } = await insertShow(a, { seats: 1 });
    await a
      .get(WaitingRoomService)
      .configure(concertId, { enabled: true, admissionPerMinute: 600, maxActiveUsers: 10_000 });
    // b learns of the room through the Redis notice.
    const seen = async () => (await b.get(WaitingRoomService).status(1, concertId)).status === 'NONE';
    for (let i = 0; i < 50 && !(await seen()); i++) await new Promise((r) => setTimeout(r, 20));
    const ids = Array.from({ length: 300 }, (_, i) => 2_000_000 + i);
    for (const [i, id] of ids.entries()) await (i % 2 ? a : b).get(WaitingRoomService).join(id, concertId);
    for (let i = 0; i < 20; i++) {
      for (const ctx of [a, b]) ctx.clock.advance(1000);
      await Promise.all([a.get(AdmissionTicker).tickNow(), b.get(AdmissionTicker).tickNow()]);
    }
    const statuses = await a.get(WaitingRoomService).statuses(concertId, ids);
    const active = statuses.filter((s) => s.status === 'ACTIVE').map((s) => s.userId);
    expect(active).toEqual(ids.slice(0, 200)); // 10 a second for 20 s, in join order, nobody twice
    expect((await a.get(WaitingRoomService).view(concertId)).activeCount).toBe(200);
  });
});
