import Redis from 'ioredis';
import { InProcessSeatLockStore } from '../../src/modules/admission/seat-locks/in-process-seat-lock-store';
import { RedisSeatLockStore } from '../../src/modules/admission/seat-locks/redis-seat-lock-store';
import { Acquired, LockRequest, SeatLockStore } from '../../src/modules/admission/seat-locks/seat-lock-store';
import { freshRedis } from '../support/fixtures';
import { TEST_REDIS_URL } from '../support/test-env';

/** Times are the store's `nowMs`, moved by hand from an instant an hour ahead (a fake clock). */
const T0 = Math.ceil(Date.now() / 1000) * 1000 + 3600_000;
const TTL_MS = 30_000;
const MAX_MS = 120_000;
const PER_USER = 4;
const OPTION = 7;

/**
 * The soft-lock rules that no combination of calls may get round (MAX_SEAT_LOCKS_PER_USER and the
 * seat's SELECTING budget), on two store instances sharing the real Redis (each decision is one Lua
 * script, so two instances are two app instances as far as the rules go), and in memory on one.
 */
describe.each([
  ['Redis, two store instances', true],
  ['in-process', false],
])('seat lock store (%s)', (_name, onRedis) => {
  let connections: Redis[] = [];
  let stores: [SeatLockStore, SeatLockStore];
  let nextSeat = 1000;
  let nextUser = 5000;

  beforeEach(async () => {
    if (onRedis) {
      connections = [await freshRedis(), new Redis(TEST_REDIS_URL)];
      stores = [new RedisSeatLockStore(connections[0]), new RedisSeatLockStore(connections[1])];
    } else {
      const store = new InProcessSeatLockStore();
      stores = [store, store];
    }
  });
  afterEach(async () => {
    await Promise.all(connections.map((c) => c.quit()));
    connections = [];
  });

  const request = (seatId: number, userId: number, nowMs: number): LockRequest => ({
    seatId,
    optionId: OPTION,
    userId,
    nowMs,
    ttlMs: TTL_MS,
    maxMs: MAX_MS,
    maxPerUser: PER_USER,
  });
  /** Call i goes to instance i % 2. */
  const acquire = (i: number, seatId: number, userId: number, nowMs: number) =>
    stores[i % 2].acquire(request(seatId, userId, nowMs));
  const outcomes = (results: Acquired[]) => results.map((r) => r.outcome);
  const count = (results: Acquired[], outcome: Acquired['outcome']) =>
    results.filter((r) => r.outcome === outcome).length;

  it('gives one user exactly MAX_SEAT_LOCKS_PER_USER of many parallel locks, over both instances', async () => {
    const users = [nextUser++, nextUser++, nextUser++];
    const seats = Array.from({ length: 36 }, () => nextSeat++);
    // 12 parallel locks per user on distinct seats, the three users interleaved.
    const results = await Promise.all(seats.map((seatId, i) => acquire(i, seatId, users[i % 3], T0)));
    for (const [u, userId] of users.entries()) {
      const mine = results.filter((_, i) => i % 3 === u);
      expect([userId, count(mine, 'ACQUIRED'), count(mine, 'LIMIT_REACHED')]).toEqual([userId, PER_USER, 8]);
    }
    // Refreshing one's own live lock is not a new lock; a fifth seat still is.
    const held = seats.filter((_, i) => i % 3 === 0 && results[i].outcome === 'ACQUIRED');
    const free = seats.filter((_, i) => i % 3 === 0 && results[i].outcome === 'LIMIT_REACHED');
    expect(outcomes(await Promise.all(held.map((s, i) => acquire(i, s, users[0], T0 + 1000))))).toEqual(
      Array(PER_USER).fill('REFRESHED'),
    );
    expect((await acquire(1, free[0], users[0], T0 + 1000)).outcome).toBe('LIMIT_REACHED');
    // A released lock and a lapsed one each free a place.
    expect(await stores[1].release(held[0], OPTION, users[0], T0 + 2000)).toBe('RELEASED');
    expect((await acquire(0, free[0], users[0], T0 + 2000)).outcome).toBe('ACQUIRED');
    expect((await acquire(1, free[1], users[0], T0 + 2000)).outcome).toBe('LIMIT_REACHED');
    expect((await acquire(1, free[1], users[0], T0 + 1000 + TTL_MS)).outcome).toBe('ACQUIRED');
  });

  it("keeps one seat SELECTING at most SEAT_LOCK_MAX_SECONDS in any 2x window, whoever's turn it is", async () => {
    const seatId = nextSeat++;
    const [alice, bob, carol] = [nextUser++, nextUser++, nextUser++];
    /** The seat's SELECTING spans as the answers report them: [start, end). */
    const spans: { start: number; end: number }[] = [];
    const refusals = new Map<string, number>();
    let thirdFanChecked = false;
    // Ten minutes, a second at a time: alice and bob both click the seat every second, at once, on
    // different instances. The owner's click refreshes; when the owner reaches their own cap, the
    // other takes a turn (as soon as the seat's budget allows).
    for (let t = T0; t < T0 + 600_000; t += 1000) {
      const tries = t % 2000 ? [alice, bob] : [bob, alice];
      const results = await Promise.all(tries.map((u, i) => acquire(i, seatId, u, t)));
      for (const r of results) {
        if (r.outcome === 'ACQUIRED') spans.push({ start: t, end: r.expiresAtMs });
        else if (r.outcome === 'REFRESHED') spans[spans.length - 1].end = r.expiresAtMs;
        else refusals.set(r.outcome, (refusals.get(r.outcome) ?? 0) + 1);
      }
      if (!thirdFanChecked && results.every((r) => r.outcome === 'LOCK_EXPIRED')) {
        // The budget is spent: a third fan is refused the lock too, and nobody owns the seat (what a
        // hold asks), so it can still be held.
        expect((await acquire(1, seatId, carol, t)).outcome).toBe('LOCK_EXPIRED');
        expect(await stores[0].ownerOf(seatId, t)).toBeUndefined();
        thirdFanChecked = true;
      }
    }
    const selectingIn = (from: number, to: number) =>
      spans.reduce((sum, s) => sum + Math.max(0, Math.min(s.end, to) - Math.max(s.start, from)), 0);
    let worst = 0;
    for (let from = T0 - 2 * MAX_MS; from < T0 + 600_000; from += 1000)
      worst = Math.max(worst, selectingIn(from, from + 2 * MAX_MS));
    expect({ worstWindowMs: worst, thirdFanChecked }).toEqual({
      worstWindowMs: MAX_MS,
      thirdFanChecked: true,
    });
    // Spans never overlap (one owner at a time), and the seat came back to selection whenever the
    // window allowed it: 0-120 s, 240-360 s, 480-600 s.
    for (let i = 1; i < spans.length; i++) expect(spans[i].start).toBeGreaterThanOrEqual(spans[i - 1].end);
    expect(selectingIn(T0, T0 + 600_000)).toBe(3 * MAX_MS);
    expect(refusals.get('BEING_SELECTED')).toBeGreaterThan(0);
  });

  it('keeps one span for locks cycled on a seat less than a second apart, the gaps counted', async () => {
    const seatId = nextSeat++;
    const [alice, bob] = [nextUser++, nextUser++];
    // Two accounts lock and release the seat in turn, 100 ms each, 100 ms apart, for 120 s.
    for (let t = T0; t < T0 + MAX_MS; t += 200) {
      const user = (t - T0) % 400 ? bob : alice;
      expect((await acquire(t / 200, seatId, user, t)).outcome).toBe('ACQUIRED');
      expect(await stores[1].release(seatId, OPTION, user, t + 100)).toBe('RELEASED');
    }
    // 600 locks, one span: the budget's arithmetic does not grow with them (and the seat's budget,
    // gaps included, is spent).
    if (onRedis) expect(await connections[0].zcard(`checkout:lock:spans:${seatId}`)).toBe(1);
    expect((await acquire(0, seatId, alice, T0 + MAX_MS)).outcome).toBe('LOCK_EXPIRED');
  });

  it('counts a released lock only up to its release', async () => {
    const seatId = nextSeat++;
    const [alice, bob] = [nextUser++, nextUser++];
    for (let t = T0; t < T0 + 100_000; t += 20_000) {
      expect((await acquire(0, seatId, alice, t)).outcome).toMatch(/ACQUIRED|REFRESHED/);
    }
    // 100 s selected so far (at 100 s the lock still runs to 110 s); releasing now ends it at 100 s.
    expect(await stores[1].release(seatId, OPTION, alice, T0 + 100_000)).toBe('RELEASED');
    const next = await acquire(1, seatId, bob, T0 + 100_000);
    expect(next).toEqual({ outcome: 'ACQUIRED', expiresAtMs: T0 + 120_000 });
  });
});
