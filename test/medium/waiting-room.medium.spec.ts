import Redis from 'ioredis';
import { AdmissionModule } from '../../src/modules/admission/admission.module';
import { AdmissionTicker } from '../../src/modules/admission/waiting-room/admission-ticker';
import { HOLD_GATE, HoldGate } from '../../src/modules/admission/waiting-room/hold-gate';
import { RoomDirectory } from '../../src/modules/admission/waiting-room/room-directory';
import { ROOM_STORE, RoomStore } from '../../src/modules/admission/waiting-room/room-store';
import { WaitingRoomService } from '../../src/modules/admission/waiting-room/waiting-room.service';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import { ReservationModule } from '../../src/modules/reservation/reservation.module';
import { freshRedis, insertHolds, insertShow, insertUser } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
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

  it.each([
    ['cleared', undefined],
    ['moved to the past', new Date(T0.getTime() - 1000)],
  ])(
    'ranks the pre-queue at once when opensAt is %s, ahead of anyone who joins later',
    async (_how, opensAt) => {
      const settings = { enabled: true, admissionPerMinute: 60, maxActiveUsers: 10, activeTtlSeconds: 600 };
      const { concertId } = await newRoom({ rate: 60, cap: 10, opensAt: new Date(T0.getTime() + 60_000) });
      const early = fans(20);
      await joinAll(concertId, early);
      expect((await rooms.status(early[0], concertId)).rank).toBeNull();
      await rooms.configure(concertId, { ...settings, opensAt: opensAt?.toISOString() });
      // At once: no join and no tick since the change.
      const ranked = await rooms.statuses(concertId, early);
      expect(ranked.map((s) => s.rank!).sort((x, y) => x - y)).toEqual(early.map((_, i) => i + 1));
      expect(ranked.map((s) => s.estimatedWaitSeconds)).toEqual(ranked.map((s) => s.rank)); // 1 a second
      const late = fans(3);
      await joinAll(concertId, late);
      expect((await rooms.statuses(concertId, late)).map((s) => s.rank)).toEqual([21, 22, 23]);
      const again = await rooms.join(early[0], concertId); // joining again keeps the place
      expect(again.rank).toBe(ranked[0].rank);
      await tick();
      expect(await activeOf(concertId, [...early, ...late])).toEqual([
        early[ranked.findIndex((s) => s.rank === 1)],
      ]);
    },
  );

  it('pauses admission when opensAt moves into the future on an opened room; admitted fans keep their slots', async () => {
    const { concertId } = await newRoom({ rate: 60, cap: 10, ttl: 600 });
    const [first, second] = fans(2);
    await joinAll(concertId, [first, second]);
    await tick();
    expect(await activeOf(concertId, [first, second])).toEqual([first]);
    const opensAt = new Date(ctx.clock.now().getTime() + 10_000);
    await rooms.configure(concertId, {
      enabled: true,
      admissionPerMinute: 60,
      maxActiveUsers: 10,
      activeTtlSeconds: 600,
      opensAt: opensAt.toISOString(),
    });
    const [late] = fans(1);
    expect(await rooms.join(late, concertId)).toMatchObject({
      status: 'WAITING',
      rank: null,
      estimatedWaitSeconds: 10,
    });
    // The fan already queued keeps the place; the wait now includes the pause.
    expect(await rooms.status(second, concertId)).toMatchObject({ rank: 1, estimatedWaitSeconds: 11 });
    for (let s = 1; s < 10; s++) {
      await tick();
      expect(await activeOf(concertId, [first, second, late])).toEqual([first]);
    }
    await tick(); // opensAt: the queue moves again, the pre-queue behind the fan who was already queued
    expect(await activeOf(concertId, [first, second, late])).toEqual([first, second]);
    expect((await rooms.status(late, concertId)).rank).toBe(1);
    await tick();
    expect(await activeOf(concertId, [first, second, late])).toEqual([first, second, late]);
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

/**
 * Past activeTtlSeconds a fan may finish paying for what they hold but start nothing new, and the slot
 * ends with the last HOLD/PAYING reservation that existed at that moment (issue 30, item 3). Holds run
 * through the reservation module's HoldService, as a fan's request does.
 */
describe.each([
  ['Redis', { REDIS_URL: TEST_REDIS_URL }],
  ['in-process', {}],
])('waiting room slots past activeTtlSeconds (%s store)', (_name, storeEnv) => {
  let ctx: ModuleContext;
  let redis: Redis | undefined;
  let rooms: WaitingRoomService;

  /** Advances a second and runs the tick; returns whether `fan` is still ACTIVE after it. */
  const tick = async (fan?: Fan, concertId?: number) => {
    ctx.clock.advance(1000);
    await ctx.get(AdmissionTicker).tickNow();
    return fan ? (await rooms.status(fan.id, concertId!)).status === 'ACTIVE' : undefined;
  };
  const codeOf = (attempt: Promise<unknown>) =>
    attempt.then(
      () => 'HELD',
      (err: { code?: string }) => err.code ?? String(err),
    );

  /** One slot, 10 s admissions: `fan` admitted at the first tick, `next` waiting behind. */
  const admittedFan = async () => {
    const show = await ctx.newShow({ seats: 40 });
    await rooms.configure(show.concertId, {
      enabled: true,
      admissionPerMinute: 60,
      maxActiveUsers: 1,
      activeTtlSeconds: 10,
    });
    const [fan, next] = [await ctx.newUser(), await ctx.newUser()];
    await rooms.join(fan.id, show.concertId);
    await rooms.join(next.id, show.concertId);
    await tick();
    const admitted = await rooms.status(fan.id, show.concertId);
    expect(admitted.status).toBe('ACTIVE');
    return { show, fan, next, untilMs: admitted.activeExpiresAt!.getTime() };
  };

  beforeAll(async () => {
    redis = 'REDIS_URL' in storeEnv ? await freshRedis() : undefined;
    ctx = await startModules([ReservationModule], { env: storeEnv });
    rooms = ctx.get(WaitingRoomService);
    await ctx.get(AdmissionTicker).onApplicationShutdown(); // ticks by hand only
  });
  beforeEach(() => ctx.clock.freezeAt(T0));
  afterAll(async () => {
    await ctx?.close();
    await redis?.quit();
  });

  it('a doomed hold every 10 s keeps no slot: it ends at activeTtlSeconds and the next fan is let in', async () => {
    const { show, fan, next, untilMs } = await admittedFan();
    const taken = show.seatIds[0];
    await insertHolds(ctx, await insertUser(ctx), [taken], [new Date(T0.getTime() + 300_000)]);
    const codes: string[] = [];
    let endedAtMs: number | undefined;
    for (let s = 1; s <= 70 && endedAtMs === undefined; s++) {
      if (s % 10 === 5) codes.push(await codeOf(ctx.hold(fan, taken))); // 5 s, 15 s, ... after admission
      if (!(await tick(fan, show.concertId))) endedAtMs = ctx.clock.now().getTime();
    }
    const survivedPastTtlSeconds = ((endedAtMs ?? ctx.clock.now().getTime()) - untilMs) / 1000;
    expect({ survivedPastTtlSeconds, codes }).toEqual({
      survivedPastTtlSeconds: 0,
      codes: ['SEAT_NOT_AVAILABLE'],
    });
    expect((await rooms.status(next.id, show.concertId)).status).toBe('ACTIVE'); // in the same tick
    // Afterwards every attempt is refused at the gate and changes nothing.
    expect(await codeOf(ctx.hold(fan, taken))).toBe('ADMISSION_REQUIRED');
    expect((await rooms.status(fan.id, show.concertId)).status).toBe('NONE');
  });

  it('chained holds (take a new seat, cancel the old) end the slot with the last hold taken before activeTtlSeconds', async () => {
    const { show, fan, untilMs } = await admittedFan();
    const seats = show.seatIds.slice(1);
    const codes: string[] = [];
    let previous = (await ctx.hold(fan, seats.shift()!)).id;
    let lastEndedAtMs: number | undefined;
    let endedAtMs: number | undefined;
    for (let s = 1; s <= 70 && endedAtMs === undefined; s++) {
      if (!(await tick(fan, show.concertId))) endedAtMs = ctx.clock.now().getTime();
      else if (s % 5 === 0) {
        const taken = ctx.hold(fan, seats.shift()!);
        codes.push(await codeOf(taken));
        const next = await taken.then((v) => v.id).catch(() => undefined);
        await ctx.get(ReservationTransitions).cancelUnpaid(fan.principal, previous);
        lastEndedAtMs = ctx.clock.now().getTime();
        if (next !== undefined) previous = next;
      }
    }
    const survived = {
      pastTtlSeconds: ((endedAtMs ?? ctx.clock.now().getTime()) - untilMs) / 1000,
      pastLastReservationSeconds: ((endedAtMs ?? ctx.clock.now().getTime()) - lastEndedAtMs!) / 1000,
    };
    // The hold at 5 s chains; the one at 10 s (the TTL) is refused, its predecessor cancelled: gone 1 s later.
    expect({ survived, codes }).toEqual({
      survived: { pastTtlSeconds: 1, pastLastReservationSeconds: 1 },
      codes: ['HELD', 'ADMISSION_REQUIRED'],
    });
  });

  it('keeps a slot past activeTtlSeconds for a HOLD taken before it, refuses anything new, and ends within 1 s of it', async () => {
    const { show, fan, next, untilMs } = await admittedFan();
    const held = await ctx.hold(fan, show.seatIds[1]);
    ctx.clock.advance(untilMs - ctx.clock.now().getTime() + 4000);
    await ctx.get(AdmissionTicker).tickNow();
    expect((await rooms.status(fan.id, show.concertId)).status).toBe('ACTIVE'); // kept for the hold
    expect(await codeOf(ctx.hold(fan, show.seatIds[2]))).toBe('ADMISSION_REQUIRED');
    await expect(ctx.get(ReservationTransitions).paying(fan.principal, held.id)).resolves.toMatchObject({
      status: 'PAYING', // finishing what they hold is allowed
    });
    expect(await tick(fan, show.concertId)).toBe(true);
    await ctx.get(ReservationTransitions).cancelUnpaid(fan.principal, held.id);
    expect(await tick(fan, show.concertId)).toBe(false);
    expect((await rooms.status(next.id, show.concertId)).status).toBe('ACTIVE');
    const [{ n }] = await ctx.dataSource.query(
      `SELECT count(*)::int AS n FROM reservations WHERE user_id = $1 AND reserved_at > $2`,
      [fan.id, new Date(untilMs)],
    );
    expect(n).toBe(0);
  });

  it('marks a hold in flight exactly while its statement runs: kept while it runs, freed once it ended', async () => {
    const { show, fan, untilMs } = await admittedFan();
    const store = ctx.get<RoomStore>(ROOM_STORE);
    const gate = ctx.get<HoldGate>(HOLD_GATE);
    const room = (await ctx.get(RoomDirectory).enabled(show.concertId))!;
    // A hold passes the gate 1 s before the end and is still running at the end: its row may yet commit.
    ctx.clock.advance(untilMs - 1000 - ctx.clock.now().getTime());
    const pass = await gate.check(show.seatIds[3], fan.id, show.concertId, ctx.clock.now().getTime());
    expect(pass).toMatchObject({ admitted: true, mark: expect.any(String) });
    for (let s = 0; s < 5; s++) expect(await tick(fan, show.concertId)).toBe(true);
    // It ends while a tick is between its look at PostgreSQL and its decision: that tick keeps the slot.
    const now = ctx.clock.now().getTime() + 1000;
    const due = await store.beginTick(show.concertId, now);
    expect(due).toEqual([fan.id]);
    await gate.settled(show.concertId, fan.id, pass.mark!);
    expect((await store.endTick(room, now, due!, [])).freed).toBe(0);
    ctx.clock.advance(1000);
    expect(await tick(fan, show.concertId)).toBe(false); // the next look frees it
  });

  it('refuses a hold after activeTtlSeconds without marking anything (another fan waits for nothing)', async () => {
    const { show, fan } = await admittedFan();
    ctx.clock.advance(10_000);
    const gate = ctx.get<HoldGate>(HOLD_GATE);
    const answer = await gate.check(show.seatIds[4], fan.id, show.concertId, ctx.clock.now().getTime());
    expect(answer).toEqual({ lockOwner: undefined, admitted: false, mark: undefined });
    expect(await tick(fan, show.concertId)).toBe(false);
  });
});

/** The slot-ending rule with parallel holds from two instances on one Redis, while both tick. */
describe('waiting room slots past activeTtlSeconds, two instances on one Redis', () => {
  let a: ModuleContext;
  let b: ModuleContext;
  let redis: Redis;

  beforeAll(async () => {
    redis = await freshRedis();
    a = await startModules([ReservationModule], { env: { REDIS_URL: TEST_REDIS_URL } });
    b = await startModules([ReservationModule], { env: { REDIS_URL: TEST_REDIS_URL }, reset: false });
    for (const ctx of [a, b]) await ctx.get(AdmissionTicker).onApplicationShutdown(); // ticks by hand only
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.quit();
  });

  it('ends each slot within 1 s of its last reservation while the fans keep sending parallel holds', async () => {
    for (const ctx of [a, b]) ctx.clock.freezeAt(T0);
    const show = await a.newShow({ seats: 600 });
    await a.get(WaitingRoomService).configure(show.concertId, {
      enabled: true,
      admissionPerMinute: 600,
      maxActiveUsers: 4,
      activeTtlSeconds: 10,
    });
    const seen = async () => (await b.get(RoomDirectory).enabled(show.concertId)) !== undefined;
    for (let i = 0; i < 50 && !(await seen()); i++) await new Promise((r) => setTimeout(r, 20));
    const fans = [await a.newUser(), await a.newUser(), await a.newUser(), await a.newUser()];
    const later = await a.newUser();
    for (const fan of [...fans, later]) await a.get(WaitingRoomService).join(fan.id, show.concertId);
    const seats = [...show.seatIds];
    const results: { s: number; code: string }[] = [];
    /** Every fan sends 4 holds at once, 2 to each instance, on free seats; both instances tick meanwhile. */
    const second = async (s: number) => {
      for (const ctx of [a, b]) ctx.clock.advance(1000);
      const holds = fans.flatMap((fan) =>
        [a, a, b, b].map(async (ctx) => {
          const code = await ctx.hold(fan, seats.shift()!).then(
            () => 'HELD',
            (err: { code?: string }) => err.code ?? String(err),
          );
          results.push({ s, code });
        }),
      );
      await Promise.all([...holds, a.get(AdmissionTicker).tickNow(), b.get(AdmissionTicker).tickNow()]);
    };
    // Fan i gives up everything it holds at second 12 + 3i; its slot must end at the next tick.
    const cancelAt = fans.map((_, i) => 12 + 3 * i);
    const endedAt = new Map<number, number>();
    let laterAdmittedAt: number | undefined;
    for (let s = 1; s <= 30; s++) {
      await second(s);
      if (laterAdmittedAt === undefined) {
        const st = await a.get(WaitingRoomService).status(later.id, show.concertId);
        if (st.status === 'ACTIVE') laterAdmittedAt = s;
      }
      const statuses = await a.get(WaitingRoomService).statuses(
        show.concertId,
        fans.map((f) => f.id),
      );
      for (const [i, st] of statuses.entries())
        if (s > 1 && st.status !== 'ACTIVE' && !endedAt.has(i)) endedAt.set(i, s);
      for (const [i, fan] of fans.entries()) {
        if (s !== cancelAt[i]) continue;
        const live: { id: number }[] = await a.dataSource.query(
          `SELECT id FROM reservations WHERE user_id = $1 AND status IN ('HOLD', 'PAYING')`,
          [fan.id],
        );
        for (const { id } of live) await a.get(ReservationTransitions).cancelUnpaid(fan.principal, id);
      }
    }
    // Admitted at second 1: activeTtlSeconds end at second 11, so every hold from then on is refused.
    const afterTtl = results.filter((r) => r.s >= 11);
    expect(afterTtl.length).toBe(20 * 16);
    const [{ n }] = await a.dataSource.query(
      `SELECT count(*)::int AS n FROM reservations WHERE concert_id = $1 AND reserved_at >= $2`,
      [show.concertId, new Date(T0.getTime() + 11_000)],
    );
    expect({
      slotEndedAtSecond: fans.map((_, i) => endedAt.get(i) ?? null),
      codesAfterTtl: [...new Set(afterTtl.map((r) => r.code))].sort(),
      reservationsAfterTtl: n,
      laterAdmittedAtSecond: laterAdmittedAt ?? null,
    }).toEqual({
      slotEndedAtSecond: cancelAt.map((s) => s + 1),
      codesAfterTtl: ['ADMISSION_REQUIRED'],
      reservationsAfterTtl: 0,
      laterAdmittedAtSecond: cancelAt[0] + 1, // the first slot to end went to the fan waiting
    });
  });
});
