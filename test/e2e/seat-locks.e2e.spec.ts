import { checkout } from '../support/checkout';
import { bearer, createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { freshRedis } from '../support/fixtures';
import { expectError } from '../support/http';
import { connectSocket, emitWithAck, openSse, Received, TestSocket } from '../../support/realtime-clients';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';

const lockPath = (seatId: number) => `/api/reservations/v7/locks/seats/${seatId}`;
const seatIs = (seatId: number, status: string) => (r: Received) =>
  r.type === 'SEAT_STATUS' && r.data.seatId === seatId && r.data.status === status;

/** Fans signed up in parallel, a few at a time (password hashing is the slow part). */
async function fans(t: TestApp, n: number): Promise<TestUser[]> {
  const users: TestUser[] = [];
  while (users.length < n) {
    users.push(
      ...(await Promise.all(Array.from({ length: Math.min(8, n - users.length) }, () => createUser(t)))),
    );
  }
  return users;
}

describe.each([
  ['Redis', { REDIS_URL: TEST_REDIS_URL }],
  ['in-process', {}],
])('seat locks (%s store)', (_name, storeEnv) => {
  let t: TestApp;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let option: TestOption;
  let socket: TestSocket;
  let next = 0;
  const seat = () => option.seatIds[next++];
  const lock = (user: TestUser, seatId: number) => t.http().post(lockPath(seatId)).set(bearer(user));
  const unlock = (user: TestUser, seatId: number) => t.http().delete(lockPath(seatId)).set(bearer(user));
  const seatMapStatus = async (seatId: number) => {
    const map = await t.http().get(`/api/concerts/options/${option.optionId}/seat-map`).expect(200);
    return (map.body as { id: number; status: string }[]).find((s) => s.id === seatId)?.status;
  };

  beforeAll(async () => {
    if ('REDIS_URL' in storeEnv) await (await freshRedis()).quit();
    t = await startTestApp({ ...storeEnv, SEAT_LOCK_TTL_SECONDS: '1', SEAT_LOCK_MAX_SECONDS: '60' });
    admin = await createAdmin(t);
    [alice, bob] = await fans(t, 2);
    option = await createOption(t, admin, { seatCount: 60 });
    socket = await connectSocket(t.url);
    await emitWithAck(socket.socket, 'seats.subscribe', { optionId: option.optionId });
  });
  afterAll(async () => {
    socket?.close();
    await t?.close();
  });

  it('takes a lock: SELECTING on the seat map and in SEAT_STATUS, gone from /seats', async () => {
    const seatId = seat();
    const res = await lock(alice, seatId).expect(200);
    expect(res.body).toEqual({
      optionId: option.optionId,
      seatId,
      ownerUserId: alice.id,
      status: 'SELECTING',
      expiresAt: expect.any(String),
      ttlSeconds: 1,
    });
    const ttlMs = new Date(res.body.expiresAt).getTime() - Date.now();
    expect(ttlMs).toBeLessThanOrEqual(1000);
    expect(await seatMapStatus(seatId)).toBe('SELECTING');
    const seats = await t.http().get(`/api/concerts/options/${option.optionId}/seats`).expect(200);
    expect(seats.body.map((s: { id: number }) => s.id)).not.toContain(seatId);
    await socket.inbox.waitFor(seatIs(seatId, 'SELECTING'), 5000, 'SELECTING');
  });

  it("refuses another fan's lock and hold on it (SEAT_BEING_SELECTED), and their release", async () => {
    const seatId = seat();
    await lock(alice, seatId).expect(200);
    expectError(await lock(bob, seatId), 409, 'SEAT_BEING_SELECTED');
    expectError(await checkout(t, bob).hold(seatId), 409, 'SEAT_BEING_SELECTED');
    expectError(await unlock(bob, seatId), 409, 'SEAT_BEING_SELECTED');
    expect(await seatMapStatus(seatId)).toBe('SELECTING');
  });

  it('lets the owner refresh the lock and release it (AVAILABLE pushed)', async () => {
    const seatId = seat();
    const first = await lock(alice, seatId).expect(200);
    const again = await lock(alice, seatId).expect(200);
    expect(new Date(again.body.expiresAt).getTime()).toBeGreaterThanOrEqual(
      new Date(first.body.expiresAt).getTime(),
    );
    const released = await unlock(alice, seatId).expect(200);
    expect(released.body).toEqual({ optionId: option.optionId, seatId, status: 'RELEASED', released: true });
    await socket.inbox.waitFor(seatIs(seatId, 'AVAILABLE'), 5000, 'AVAILABLE after release');
    expect(await seatMapStatus(seatId)).toBe('AVAILABLE');
    const none = await unlock(alice, seatId).expect(200);
    expect(none.body.released).toBe(false);
    await lock(bob, seatId).expect(200); // anyone may take it now
  });

  it("consumes the owner's lock with their hold", async () => {
    const seatId = seat();
    await lock(alice, seatId).expect(200);
    const hold = await checkout(t, alice).hold(seatId).expect(201);
    expect(hold.body.status).toBe('HOLD');
    expect(await seatMapStatus(seatId)).toBe('TEMP_RESERVED');
    expect((await unlock(alice, seatId).expect(200)).body.released).toBe(false);
    expectError(await lock(bob, seatId), 409, 'SEAT_NOT_AVAILABLE');
  });

  it('pushes AVAILABLE when a lock runs out, with nobody calling', async () => {
    const seatId = seat();
    const res = await lock(alice, seatId).expect(200);
    const ended = await socket.inbox.waitFor(
      (r) => seatIs(seatId, 'AVAILABLE')(r) && r.data.eventId > 0,
      5000,
      'AVAILABLE after the lock ran out',
    );
    expect(new Date(ended.data.occurredAt as string).getTime()).toBeGreaterThanOrEqual(
      new Date(res.body.expiresAt).getTime() - 5, // clocks of Redis and Node agree to a few ms
    );
    expect(await seatMapStatus(seatId)).toBe('AVAILABLE');
    await checkout(t, bob).hold(seatId).expect(201); // the lapsed lock no longer protects the seat
  });

  it('also streams SELECTING over the public seat SSE', async () => {
    const seatId = seat();
    const sse = await openSse(`${t.url}/api/concerts/options/${option.optionId}/seat-events`);
    try {
      await lock(bob, seatId).expect(200);
      await sse.inbox.waitFor(seatIs(seatId, 'SELECTING'), 5000, 'SELECTING over SSE');
    } finally {
      sse.close();
    }
  });

  it('gives one seat to exactly one of 40 racing fans', async () => {
    const seatId = seat();
    const racers = await fans(t, 40);
    const results = await Promise.all(racers.map((u) => lock(u, seatId)));
    const codes = results.map((r) => (r.status === 200 ? 'OK' : r.body.errorCode));
    expect(codes.filter((c) => c !== 'OK' && c !== 'SEAT_BEING_SELECTED')).toEqual([]);
    // One owner at a time. The TTL here is 1 s: on a slow machine the race can outlast a lock, and the
    // seat may then go to a second fan, but only once the first lock has run out.
    const owned = results
      .filter((r) => r.status === 200)
      .map((r) => ({
        owner: r.body.ownerUserId,
        expiresAt: Date.parse(r.body.expiresAt),
        ttlMs: r.body.ttlSeconds * 1000,
      }))
      .sort((a, b) => a.expiresAt - b.expiresAt);
    expect(owned.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < owned.length; i++) {
      expect(owned[i].expiresAt - owned[i].ttlMs).toBeGreaterThanOrEqual(owned[i - 1].expiresAt - 5);
    }
    expect(owned.every((o) => racers.some((u) => u.id === o.owner))).toBe(true);
  });

  it('answers 404 for an unknown seat and 400 for a bad id, without a lock', async () => {
    expectError(await lock(alice, 999_999), 404, 'NOT_FOUND');
    expectError(await unlock(alice, 999_999), 404, 'NOT_FOUND');
    for (const bad of ['0', '-1', 'abc', '2147483648', '1.5']) {
      expectError(
        await t.http().post(`/api/reservations/v7/locks/seats/${bad}`).set(bearer(alice)),
        400,
        'VALIDATION_FAILED',
      );
    }
    expectError(await t.http().post(lockPath(seat())), 401, 'UNAUTHENTICATED');
  });
});

describe('seat lock cap (in-process store, FakeClock)', () => {
  const clock = new FakeClock();
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let option: TestOption;
  const lock = (user: TestUser, seatId: number) => t.http().post(lockPath(seatId)).set(bearer(user));

  beforeAll(async () => {
    t = await startTestApp({ SEAT_LOCK_TTL_SECONDS: '30', SEAT_LOCK_MAX_SECONDS: '120' }, { clock });
    const admin = await createAdmin(t);
    [alice, bob] = [await createUser(t), await createUser(t)];
    option = await createOption(t, admin, { seatCount: 12 });
  });
  afterAll(() => t?.close());

  it("refreshes up to first + SEAT_LOCK_MAX_SECONDS, then SEAT_LOCK_EXPIRED; others may lock once the seat's budget allows", async () => {
    const seatId = option.seatIds[0];
    const first = await lock(alice, seatId).expect(200);
    const firstAt = new Date(first.body.expiresAt).getTime() - 30_000;
    const expiries: number[] = [];
    for (let elapsed = 25; elapsed <= 100; elapsed += 25) {
      clock.advance(25_000);
      const refreshed = await lock(alice, seatId).expect(200);
      expiries.push(new Date(refreshed.body.expiresAt).getTime() - firstAt);
    }
    // now + 30 s while that is before the cap (a few ms of real time pass between calls), then the cap.
    expect(expiries.slice(0, 3).map((ms) => Math.round(ms / 1000))).toEqual([55, 80, 105]);
    expect(expiries[3]).toBe(120_000);
    clock.advance(20_000); // at the cap (and a few ms past it)
    expectError(await lock(alice, seatId), 409, 'SEAT_LOCK_EXPIRED');
    // The seat has been SELECTING for 120 s: its budget (120 s in any 240 s) is spent for everyone...
    expectError(await lock(bob, seatId), 409, 'SEAT_LOCK_EXPIRED');
    // ...until the window has moved on far enough for a whole TTL.
    clock.advance(120_000);
    const other = await lock(bob, seatId).expect(200);
    expect(other.body.ownerUserId).toBe(bob.id);
    expect(new Date(other.body.expiresAt).getTime() - clock.now().getTime()).toBeGreaterThan(29_000);
  });

  it('does not start a new cap when the owner releases and takes the seat again', async () => {
    const seatId = option.seatIds[1];
    await lock(alice, seatId).expect(200);
    clock.advance(100_000);
    await t.http().delete(lockPath(seatId)).set(bearer(alice)).expect(200);
    const again = await lock(alice, seatId).expect(200);
    expect(new Date(again.body.expiresAt).getTime()).toBeLessThanOrEqual(clock.now().getTime() + 20_000);
  });

  it('lets a user hold MAX_SEAT_LOCKS_PER_USER (4) live locks: parallel locks past it are 409 SEAT_LOCK_LIMIT_REACHED', async () => {
    const carol = await createUser(t);
    const seats = option.seatIds.slice(3, 11);
    const results = await Promise.all(seats.map((seatId) => lock(carol, seatId)));
    const mine = seats.filter((_, i) => results[i].status === 200);
    expect(mine).toHaveLength(4);
    for (const refused of results.filter((r) => r.status !== 200))
      expectError(refused, 409, 'SEAT_LOCK_LIMIT_REACHED');
    const other = seats.find((s) => !mine.includes(s))!;
    await lock(carol, mine[0]).expect(200); // refreshing one's own lock is not a new one
    await t.http().delete(lockPath(mine[0])).set(bearer(carol)).expect(200);
    await lock(carol, other).expect(200); // a release frees a place
    expectError(await lock(carol, mine[0]), 409, 'SEAT_LOCK_LIMIT_REACHED');
    clock.advance(31_000); // and so do locks that lapse
    await lock(carol, mine[0]).expect(200);
  });

  it('does not let two accounts taking turns keep a seat SELECTING past its budget; a third fan can hold it', async () => {
    const seatId = option.seatIds[11];
    const dave = await createUser(t);
    // Each lock lapses after its 30 s and the other account takes the next turn: 4 turns = 120 s.
    for (const user of [alice, bob, alice, bob]) {
      await lock(user, seatId).expect(200);
      clock.advance(30_000);
    }
    expectError(await lock(alice, seatId), 409, 'SEAT_LOCK_EXPIRED');
    expectError(await lock(bob, seatId), 409, 'SEAT_LOCK_EXPIRED');
    expectError(await lock(dave, seatId), 409, 'SEAT_LOCK_EXPIRED');
    const hold = await checkout(t, dave).hold(seatId).expect(201);
    expect(hold.body.status).toBe('HOLD');
  });

  it('takes no lock once the show has started (SALE_ENDED)', async () => {
    clock.advance(31 * 24 * 3600 * 1000);
    expectError(await lock(bob, option.seatIds[2]), 409, 'SALE_ENDED');
    clock.reset();
  });
});
