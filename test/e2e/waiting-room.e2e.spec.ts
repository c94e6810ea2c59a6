import { AdmissionTicker } from '../../src/modules/admission/waiting-room/admission-ticker';
import { checkout } from '../support/checkout';
import { bearer, createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { freshRedis } from '../support/fixtures';
import { expectError, stateSnapshot } from '../support/http';
import { connectSocket, emitWithAck, openSse, Received } from '../../support/realtime-clients';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';

const QUEUE = '/api/v1/waiting-queue';
const T0 = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3600_000);

/** The waiting room through its HTTP, SSE and socket.io doors, and the gate it puts on holds and locks. */
describe('waiting room (HTTP, SSE, socket.io; Redis)', () => {
  const clock = new FakeClock();
  let t: TestApp;
  let admin: TestUser;
  let option: TestOption;
  let next = 0;
  const seat = () => option.seatIds[next++];

  const putRoom = (concertId: number, body: unknown, as = admin) =>
    t
      .http()
      .put(`/api/admin/concerts/${concertId}/waiting-room`)
      .set(bearer(as))
      .send(body as object);
  const join = (fan: TestUser, concertId: unknown = option.concertId) =>
    t.http().post(`${QUEUE}/join`).set(bearer(fan)).send({ concertId });
  const status = (fan: TestUser, concertId: unknown = option.concertId) =>
    t.http().get(`${QUEUE}/status?concertId=${concertId}`).set(bearer(fan));
  const leave = (fan: TestUser, concertId: unknown = option.concertId) =>
    t.http().delete(`${QUEUE}?concertId=${concertId}`).set(bearer(fan));
  const lock = (fan: TestUser, seatId: number) =>
    t.http().post(`/api/reservations/v7/locks/seats/${seatId}`).set(bearer(fan));
  const tick = async () => {
    clock.advance(1000);
    await t.app.get(AdmissionTicker).tickNow();
  };
  const ROOM = { enabled: true, admissionPerMinute: 60, maxActiveUsers: 100, activeTtlSeconds: 600 };

  beforeAll(async () => {
    await (await freshRedis()).quit();
    t = await startTestApp({ REDIS_URL: TEST_REDIS_URL, MAX_ACTIVE_HOLDS_PER_USER: '0' }, { clock });
    admin = await createAdmin(t);
    option = await createOption(t, admin, { seatCount: 40 });
    clock.freezeAt(T0);
    // Ticks by hand only: a background tick (every wall-clock second) would admit mid-test.
    await t.app.get(AdmissionTicker).onApplicationShutdown();
  });
  afterAll(() => t?.close());

  describe('configuration', () => {
    it('answers enabled:false for a room never configured, then the room as configured', async () => {
      const res = await t.http().get(`/api/concerts/${option.concertId}/waiting-room`).expect(200);
      expect(res.body).toEqual({
        concertId: option.concertId,
        enabled: false,
        opensAt: null,
        admissionPerMinute: null,
        maxActiveUsers: null,
        activeTtlSeconds: null,
        waitingCount: 0,
        activeCount: 0,
      });
      const put = await putRoom(option.concertId, ROOM).expect(200);
      expect(put.body).toEqual({
        concertId: option.concertId,
        ...ROOM,
        opensAt: null,
        waitingCount: 0,
        activeCount: 0,
      });
      const got = await t.http().get(`/api/concerts/${option.concertId}/waiting-room`).expect(200);
      expect(got.body).toEqual(put.body);
    });

    it.each([
      ['enabled missing', { admissionPerMinute: 60, maxActiveUsers: 1 }],
      ['enabled as a string', { ...ROOM, enabled: 'yes' }],
      ['a rate of 0', { ...ROOM, admissionPerMinute: 0 }],
      ['a rate above 600000', { ...ROOM, admissionPerMinute: 600_001 }],
      ['a cap of 0', { ...ROOM, maxActiveUsers: 0 }],
      ['a cap above 1000000', { ...ROOM, maxActiveUsers: 1_000_001 }],
      ['a TTL of 9 s', { ...ROOM, activeTtlSeconds: 9 }],
      ['a TTL of 3601 s', { ...ROOM, activeTtlSeconds: 3601 }],
      ['a fractional rate', { ...ROOM, admissionPerMinute: 1.5 }],
      ['an opensAt without an offset', { ...ROOM, opensAt: '2030-01-01T10:00:00' }],
      ['an opensAt that is a date only', { ...ROOM, opensAt: '2030-01-01' }],
      ['an unknown field', { ...ROOM, queueLimit: 100 }],
    ])('refuses %s with 400 and changes nothing', async (_what, body) => {
      const before = await t.http().get(`/api/concerts/${option.concertId}/waiting-room`).expect(200);
      expectError(await putRoom(option.concertId, body), 400, 'VALIDATION_FAILED');
      const after = await t.http().get(`/api/concerts/${option.concertId}/waiting-room`).expect(200);
      expect(after.body).toEqual(before.body);
    });

    it('takes an opensAt with an offset and answers it normalised to UTC', async () => {
      const other = await createOption(t, admin, { seatCount: 1 });
      const put = await putRoom(other.concertId, { ...ROOM, opensAt: '2030-01-01T10:00:00+09:00' }).expect(
        200,
      );
      expect(put.body.opensAt).toBe('2030-01-01T01:00:00.000Z');
      const got = await t.http().get(`/api/concerts/${other.concertId}/waiting-room`).expect(200);
      expect(got.body.opensAt).toBe('2030-01-01T01:00:00.000Z');
    });

    it('is 404 for an unknown concert, 403 for a fan, 400 for a bad id', async () => {
      expectError(await putRoom(999_999, ROOM), 404, 'NOT_FOUND');
      expectError(await t.http().get('/api/concerts/999999/waiting-room'), 404, 'NOT_FOUND');
      expectError(await putRoom(option.concertId, ROOM, await createUser(t)), 403, 'FORBIDDEN');
      expectError(await t.http().get('/api/concerts/abc/waiting-room'), 400, 'VALIDATION_FAILED');
    });
  });

  describe('a fan in the queue', () => {
    it('joins once (a repeated join keeps the place), looks, and leaves (204, even twice)', async () => {
      const [first, second] = [await createUser(t), await createUser(t)];
      const joined = await join(first).expect(200);
      expect(joined.body).toEqual({
        userId: first.id,
        concertId: option.concertId,
        status: 'WAITING',
        rank: 1,
        waitingCount: 1,
        estimatedWaitSeconds: 1,
        activeExpiresAt: null,
      });
      expect((await join(second).expect(200)).body.rank).toBe(2);
      expect((await join(first).expect(200)).body).toMatchObject({ rank: 1, waitingCount: 2 });
      expect((await status(second).expect(200)).body).toMatchObject({ status: 'WAITING', rank: 2 });
      await leave(first).expect(204);
      await leave(first).expect(204);
      expect((await status(first).expect(200)).body).toMatchObject({ status: 'NONE', rank: -1 });
      expect((await status(second).expect(200)).body).toMatchObject({ status: 'WAITING', rank: 1 });
      await leave(second).expect(204);
    });

    it("is the token's fan: a userId in the body is refused, and another fan's token cannot move the place", async () => {
      const [fan, other] = [await createUser(t), await createUser(t)];
      await join(fan).expect(200);
      const forged = await t
        .http()
        .post(`${QUEUE}/join`)
        .set(bearer(other))
        .send({ concertId: option.concertId, userId: fan.id });
      expectError(forged, 400, 'VALIDATION_FAILED');
      await leave(other).expect(204); // leaves only the caller's own (absent) place
      expect((await status(fan).expect(200)).body.status).toBe('WAITING');
      await leave(fan).expect(204);
    });

    it.each(['abc', '0', '-1', '1.5', '2147483648', '0x10', ''])(
      'refuses concertId=%s with 400',
      async (bad) => {
        const fan = await createUser(t);
        expectError(await status(fan, bad), 400, 'VALIDATION_FAILED');
        expectError(await leave(fan, bad), 400, 'VALIDATION_FAILED');
      },
    );

    it.each([
      ['a string', '1'],
      ['zero', 0],
      ['a float', 1.5],
      ['null', null],
      ['an array', [1]],
    ])('refuses a join with %s as concertId', async (_what, concertId) => {
      const fan = await createUser(t);
      expectError(await join(fan, concertId), 400, 'VALIDATION_FAILED');
    });

    it('is 404 for an unknown concert and 401 without a token', async () => {
      const fan = await createUser(t);
      expectError(await join(fan, 999_999), 404, 'NOT_FOUND');
      expectError(await status(fan, 999_999), 404, 'NOT_FOUND');
      expectError(await leave(fan, 999_999), 404, 'NOT_FOUND');
      expectError(
        await t.http().post(`${QUEUE}/join`).send({ concertId: option.concertId }),
        401,
        'UNAUTHENTICATED',
      );
    });
  });

  describe('the gate', () => {
    it('refuses holds and locks until the fan is admitted, then lets them through', async () => {
      const fan = await createUser(t);
      const before = await stateSnapshot(t);
      expectError(await checkout(t, fan).hold(seat()), 403, 'ADMISSION_REQUIRED');
      expectError(await lock(fan, seat()), 403, 'ADMISSION_REQUIRED');
      expect(await stateSnapshot(t)).toEqual(before);
      await join(fan).expect(200);
      expectError(await checkout(t, fan).hold(seat()), 403, 'ADMISSION_REQUIRED'); // WAITING is not enough
      await tick();
      expect((await status(fan).expect(200)).body.status).toBe('ACTIVE');
      await lock(fan, seat()).expect(200);
      await checkout(t, fan).hold(seat()).expect(201);
    });

    it('gates nothing once the room is disabled, and gates again when it is enabled', async () => {
      const fan = await createUser(t);
      await putRoom(option.concertId, { ...ROOM, enabled: false }).expect(200);
      expect((await join(fan).expect(200)).body).toMatchObject({ status: 'ACTIVE', rank: 0 });
      await checkout(t, fan).hold(seat()).expect(201);
      await putRoom(option.concertId, ROOM).expect(200);
      expectError(await checkout(t, fan).hold(seat()), 403, 'ADMISSION_REQUIRED');
    });

    it('past activeTtlSeconds refuses new holds and locks with 403, lets the fan pay, and ends the slot with the hold', async () => {
      await putRoom(option.concertId, { ...ROOM, activeTtlSeconds: 10 }).expect(200);
      try {
        const fan = await createUser(t);
        await join(fan).expect(200);
        await tick();
        expect((await status(fan).expect(200)).body.status).toBe('ACTIVE');
        const held = await checkout(t, fan).hold(seat()).expect(201);
        clock.advance(10_000);
        await tick(); // past the admission's 10 s: kept for the hold
        const before = await stateSnapshot(t);
        expectError(await checkout(t, fan).hold(seat()), 403, 'ADMISSION_REQUIRED');
        expectError(await lock(fan, seat()), 403, 'ADMISSION_REQUIRED');
        expect(await stateSnapshot(t)).toEqual(before);
        expect((await status(fan).expect(200)).body.status).toBe('ACTIVE');
        await checkout(t, fan).paying(held.body.id).expect(200);
        await checkout(t, fan).cancel(held.body.id).expect(200);
        await tick();
        expect((await status(fan).expect(200)).body).toMatchObject({ status: 'NONE', rank: -1 });
      } finally {
        await putRoom(option.concertId, ROOM).expect(200);
      }
    });
  });

  describe('metrics', () => {
    it("counts joins and admissions, the time in the queue, and the room's waiting and active fans", async () => {
      const fan = await createUser(t);
      await join(fan).expect(200);
      clock.advance(4000);
      await tick();
      const text = (await t.http().get('/metrics').expect(200)).text;
      const value = (series: string) => Number(text.match(new RegExp(`^${series} (\\S+)$`, 'm'))?.[1]);
      const concert = `{concert="${option.concertId}"}`;
      expect(value(`checkout_waiting_room_joins_total${concert}`)).toBeGreaterThanOrEqual(1);
      expect(value(`checkout_waiting_room_admitted_total${concert}`)).toBeGreaterThanOrEqual(1);
      expect(value(`checkout_waiting_room_waiting${concert}`)).toBe(0);
      expect(value(`checkout_waiting_room_active${concert}`)).toBeGreaterThanOrEqual(1);
      expect(value('checkout_waiting_room_wait_seconds_bucket{le="5"}')).toBeGreaterThanOrEqual(1);
      expect(value('checkout_waiting_room_wait_seconds_count')).toBeGreaterThanOrEqual(1);
    });
  });

  describe('push', () => {
    it('streams QUEUE_STATUS over SSE: the current status first, then the admission', async () => {
      const fan = await createUser(t);
      await join(fan).expect(200);
      const sse = await openSse(`${t.url}${QUEUE}/subscribe?concertId=${option.concertId}`, bearer(fan));
      try {
        const first = await sse.inbox.waitFor((r) => r.type === 'QUEUE_STATUS', 5000, 'the first status');
        expect(first.data).toMatchObject({ userId: fan.id, status: 'WAITING', rank: 1 });
        expect(first.id).toBeUndefined(); // not an outbox event: it must not move Last-Event-ID
        await tick();
        const admitted = await sse.inbox.waitFor(
          (r) => r.type === 'QUEUE_STATUS' && r.data.status === 'ACTIVE',
          5000,
          'the admission',
        );
        expect(admitted.data).toMatchObject({
          rank: 0,
          estimatedWaitSeconds: 0,
          activeExpiresAt: expect.any(String),
        });
      } finally {
        sse.close();
      }
    });

    it('pushes QUEUE_STATUS to a socket after queue.subscribe, rank by rank', async () => {
      const [ahead, fan] = [await createUser(t), await createUser(t)];
      await join(ahead).expect(200);
      await join(fan).expect(200);
      const socket = await connectSocket(t.url, fan.token);
      const statuses = (): Received['data'][] => socket.inbox.ofType('QUEUE_STATUS');
      try {
        socket.socket.on('QUEUE_STATUS', (data: Received['data']) =>
          socket.inbox.push({ type: 'QUEUE_STATUS', data }),
        );
        expect(await emitWithAck(socket.socket, 'queue.subscribe', { concertId: option.concertId })).toEqual({
          ok: true,
          concertId: option.concertId,
        });
        await socket.inbox.waitFor((r) => r.type === 'QUEUE_STATUS', 5000, 'the first status');
        await tick();
        await socket.inbox.waitFor((r) => r.type === 'QUEUE_STATUS' && r.data.rank === 1, 5000, 'rank 1');
        await tick();
        await socket.inbox.waitFor(
          (r) => r.type === 'QUEUE_STATUS' && r.data.status === 'ACTIVE',
          5000,
          'ACTIVE',
        );
        expect(statuses().map((s) => s.rank)).toEqual([2, 1, 0]);
      } finally {
        socket.close();
      }
    });

    it('refuses queue.subscribe from an anonymous socket, for an unknown concert and with a bad id', async () => {
      const anonymous = await connectSocket(t.url);
      const fan = await createUser(t);
      const socket = await connectSocket(t.url, fan.token);
      try {
        expect(
          await emitWithAck(anonymous.socket, 'queue.subscribe', { concertId: option.concertId }),
        ).toMatchObject({
          ok: false,
          errorCode: 'UNAUTHENTICATED',
        });
        expect(await emitWithAck(socket.socket, 'queue.subscribe', { concertId: 999_999 })).toMatchObject({
          ok: false,
          errorCode: 'NOT_FOUND',
        });
        expect(await emitWithAck(socket.socket, 'queue.subscribe', { concertId: 'x' })).toMatchObject({
          ok: false,
          errorCode: 'VALIDATION_FAILED',
        });
      } finally {
        anonymous.close();
        socket.close();
      }
    });

    it('answers a bad SSE subscription with a 4xx before any stream', async () => {
      const fan = await createUser(t);
      expect((await openSse(`${t.url}${QUEUE}/subscribe?concertId=${option.concertId}`)).status).toBe(401);
      expect((await openSse(`${t.url}${QUEUE}/subscribe?concertId=abc`, bearer(fan))).status).toBe(400);
      expect((await openSse(`${t.url}${QUEUE}/subscribe?concertId=999999`, bearer(fan))).status).toBe(404);
    });
  });
});

describe('waiting room across two instances', () => {
  it('applies a room change from the next request on the other instance', async () => {
    await (await freshRedis()).quit();
    const a = await startTestApp({ REDIS_URL: TEST_REDIS_URL });
    const b = await startTestApp({ REDIS_URL: TEST_REDIS_URL }, {}, { reset: false });
    try {
      const admin = await createAdmin(a);
      const option = await createOption(a, admin, { seatCount: 4 });
      const fan = await createUser(a);
      await checkout(b, fan).hold(option.seatIds[0]).expect(201); // no room yet: b lets the hold through
      await a
        .http()
        .put(`/api/admin/concerts/${option.concertId}/waiting-room`)
        .set(bearer(admin))
        .send({ enabled: true, admissionPerMinute: 60, maxActiveUsers: 10 })
        .expect(200);
      expectError(await checkout(b, fan).hold(option.seatIds[1]), 403, 'ADMISSION_REQUIRED');
    } finally {
      await b.close();
      await a.close();
    }
  });
});
