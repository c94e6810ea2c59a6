import { OutboxRelay } from '../../src/infra/outbox/outbox-relay';
import { SseHub } from '../../src/modules/realtime/sse-hub';
import { checkout } from '../support/checkout';
import { createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import {
  connectSocket,
  isReservationStatus,
  emitWithAck,
  ISO_UTC,
  openSse,
  Received,
  RESERVATION_FIELDS,
  SEAT_FIELDS,
  TestSocket,
  TestSse,
} from '../../support/realtime-clients';
import { sendPgEvent } from '../support/signed-webhook';
import { startTestApp, TestApp } from '../support/test-app';
import { until } from '../support/wait';

const isStatus = isReservationStatus;

describe('realtime push (in-process bus)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let option: TestOption;
  const open: { close: () => void }[] = [];
  const track = <T extends { close: () => void }>(c: T): T => (open.push(c), c);

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await createAdmin(t);
    [alice, bob] = [await createUser(t, 'alice'), await createUser(t, 'bob')];
    option = await createOption(t, admin, { seatCount: 20 });
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  afterAll(() => t.close());

  describe('routing and auth', () => {
    it('GET /api/reservations/v7/events is its own route, not /:id (401 without a token, not 400)', async () => {
      const res = await t.http().get('/api/reservations/v7/events').expect(401);
      expect(res.body).toMatchObject({ status: 401, errorCode: 'UNAUTHENTICATED' });
      const forged = await t
        .http()
        .get('/api/reservations/v7/events?access_token=forged.token.here')
        .expect(401);
      expect(forged.body.errorCode).toBe('UNAUTHENTICATED');
      // The neighbouring routes still work.
      await t
        .http()
        .get('/api/reservations/v7/abc')
        .set('Authorization', `Bearer ${alice.token}`)
        .expect(400);
    });

    it('refuses a socket with an invalid token (connect_error UNAUTHENTICATED)', async () => {
      await expect(connectSocket(t.url, 'not-a-jwt')).rejects.toMatchObject({ message: 'UNAUTHENTICATED' });
      await expect(connectSocket(t.url, `${alice.token}x`)).rejects.toMatchObject({
        message: 'UNAUTHENTICATED',
      });
    });

    it('rejects a malformed Last-Event-ID with 400 and an unknown option stream with 404', async () => {
      const bad = await openSse(`${t.url}/api/reservations/v7/events?access_token=${alice.token}`, {
        'Last-Event-ID': 'abc',
      });
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.raw()).errorCode).toBe('VALIDATION_FAILED');
      expect((await openSse(`${t.url}/api/concerts/options/999999/seat-events`)).status).toBe(404);
      expect((await openSse(`${t.url}/api/concerts/options/0/seat-events`)).status).toBe(400);
    });
  });

  it("pushes every lifecycle change to the owner's socket and SSE stream only, with the contract's fields", async () => {
    const aliceSocket = track(await connectSocket(t.url, alice.token));
    const bobSocket = track(await connectSocket(t.url, bob.token));
    const aliceSse = track(await openSse(`${t.url}/api/reservations/v7/events?access_token=${alice.token}`));
    const bobSse = track(
      await openSse(`${t.url}/api/reservations/v7/events`, { Authorization: `Bearer ${bob.token}` }),
    );
    expect(aliceSse.headers['content-type']).toMatch(/^text\/event-stream/);
    const a = checkout(t, alice);

    // Paid path: HOLD → PAYING → payment FAILED → CONFIRMED → REFUNDED.
    const paid = (await a.hold(option.seatIds[0]).expect(201)).body.id as number;
    await a.paying(paid).expect(200);
    await a.confirm(paid, { mockOutcome: 'decline' }).expect(200);
    await a.confirm(paid, { mockOutcome: 'approve' }).expect(200);
    await a.refund(paid).expect(200);
    // Unpaid path: HOLD → CANCELLED.
    const cancelled = (await a.hold(option.seatIds[1]).expect(201)).body.id as number;
    await a.cancel(cancelled).expect(200);

    for (const inbox of [aliceSocket.inbox, aliceSse.inbox]) {
      await inbox.waitFor(isStatus(paid, 'REFUNDED'), 5000, 'REFUNDED');
      await inbox.waitFor(isStatus(cancelled, 'CANCELLED'), 5000, 'CANCELLED');
      const mine = inbox.ofType('RESERVATION_STATUS');
      const seq = (id: number) =>
        mine.filter((e) => e.reservationId === id).map((e) => [e.status, e.paymentStatus]);
      expect(seq(paid)).toEqual([
        ['HOLD', null],
        ['PAYING', null],
        ['PAYING', 'FAILED'],
        ['CONFIRMED', 'SUCCESS'],
        ['REFUNDED', 'SUCCESS'],
      ]);
      expect(seq(cancelled)).toEqual([
        ['HOLD', null],
        ['CANCELLED', null],
      ]);
      for (const e of mine) {
        expect(Object.keys(e).sort()).toEqual(RESERVATION_FIELDS);
        expect(e).toMatchObject({ userId: alice.id, optionId: option.optionId });
        expect(e.occurredAt).toMatch(ISO_UTC);
        expect(e.holdExpiresAt).toMatch(ISO_UTC);
      }
      // Each eventId once, increasing; no SEAT_STATUS on user channels.
      const ids = mine.map((e) => e.eventId);
      expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
      expect(inbox.ofType('SEAT_STATUS')).toEqual([]);
    }
    // SSE frames carry id: = eventId.
    expect(aliceSse.inbox.events.every((e) => Number(e.id) === e.data.eventId)).toBe(true);

    // Bob's own hold is published after all of Alice's events (ids increase): once it has arrived,
    // anything of Alice's would have arrived too.
    const bobs = (await checkout(t, bob).hold(option.seatIds[2]).expect(201)).body.id as number;
    for (const inbox of [bobSocket.inbox, bobSse.inbox]) {
      await inbox.waitFor(isStatus(bobs, 'HOLD'), 5000, "bob's HOLD");
      expect(inbox.events.map((e) => e.data.reservationId)).toEqual([bobs]);
    }
  });

  it('replays what was missed after Last-Event-ID (header or query), then goes live', async () => {
    const a = checkout(t, alice);
    const first = track(await openSse(`${t.url}/api/reservations/v7/events?access_token=${alice.token}`));
    const id = (await a.hold(option.seatIds[3]).expect(201)).body.id as number;
    const hold = await first.inbox.waitFor(isStatus(id, 'HOLD'));
    first.close();
    // Missed while disconnected:
    await a.paying(id).expect(200);
    await a.cancel(id).expect(200);
    await t.app.get(OutboxRelay).drain();

    const viaHeader = track(
      await openSse(`${t.url}/api/reservations/v7/events`, {
        Authorization: `Bearer ${alice.token}`,
        'Last-Event-ID': String(hold.data.eventId),
      }),
    );
    const viaQuery = track(
      await openSse(
        `${t.url}/api/reservations/v7/events?access_token=${alice.token}&lastEventId=${hold.data.eventId}`,
      ),
    );
    for (const sse of [viaHeader, viaQuery]) {
      await sse.inbox.waitFor(isStatus(id, 'CANCELLED'));
      // The order of one moves with it: its ORDER_STATUS events share the stream (contract "Orders").
      const reservationEvents = sse.inbox.events.filter((e) => e.type === 'RESERVATION_STATUS');
      expect(reservationEvents.map((e) => e.data.status)).toEqual(['PAYING', 'CANCELLED']);
      expect(sse.inbox.events.filter((e) => e.type === 'ORDER_STATUS').map((e) => e.data.status)).toEqual([
        'PAYING',
        'CANCELLED',
      ]);
      expect(sse.inbox.events.every((e) => e.data.eventId > hold.data.eventId)).toBe(true);
    }
    // Then live: a new change arrives exactly once on the resumed stream.
    const next = (await a.hold(option.seatIds[3]).expect(201)).body.id as number;
    await viaHeader.inbox.waitFor(isStatus(next, 'HOLD'));
    await t.app.get(OutboxRelay).drain();
    expect(viaHeader.inbox.events.filter((e) => e.data.reservationId === next)).toHaveLength(1);
    await a.cancel(next).expect(200);
  });

  it('seats.subscribe / seats.unsubscribe control SEAT_STATUS on a socket (anonymous allowed)', async () => {
    const watcher = track(await connectSocket(t.url)); // no token: seats only
    const leaver = track(await connectSocket(t.url, bob.token));
    const sse = track(await openSse(`${t.url}/api/concerts/options/${option.optionId}/seat-events`));
    expect(await emitWithAck(watcher.socket, 'seats.subscribe', { optionId: option.optionId })).toEqual({
      ok: true,
      optionId: option.optionId,
    });
    await emitWithAck(leaver.socket, 'seats.subscribe', { optionId: option.optionId });
    expect(await emitWithAck(watcher.socket, 'seats.subscribe', { optionId: 'x' })).toMatchObject({
      ok: false,
      errorCode: 'VALIDATION_FAILED',
    });
    expect(await emitWithAck(watcher.socket, 'seats.subscribe', { optionId: 999999 })).toMatchObject({
      ok: false,
      errorCode: 'NOT_FOUND',
    });

    const seatId = option.seatIds[4];
    const a = checkout(t, alice);
    const id = (await a.hold(seatId).expect(201)).body.id as number;
    const seatIs = (status: string) => (r: Received) =>
      r.type === 'SEAT_STATUS' && r.data.seatId === seatId && r.data.status === status;
    for (const inbox of [watcher.inbox, leaver.inbox, sse.inbox])
      await inbox.waitFor(seatIs('TEMP_RESERVED'));

    await emitWithAck(leaver.socket, 'seats.unsubscribe', { optionId: option.optionId });
    await a.cancel(id).expect(200);
    for (const inbox of [watcher.inbox, sse.inbox]) await inbox.waitFor(seatIs('AVAILABLE'));
    await t.app.get(OutboxRelay).drain();
    expect(leaver.inbox.events.filter(seatIs('AVAILABLE'))).toEqual([]);

    for (const inbox of [watcher.inbox, sse.inbox]) {
      const seats = inbox.ofType('SEAT_STATUS').filter((e) => e.seatId === seatId);
      expect(seats.map((e) => e.status)).toEqual(['TEMP_RESERVED', 'AVAILABLE']);
      for (const e of seats) {
        expect(Object.keys(e).sort()).toEqual(SEAT_FIELDS);
        expect(e.occurredAt).toMatch(ISO_UTC);
      }
      // Seat channels never carry anyone's reservation.
      expect(inbox.ofType('RESERVATION_STATUS')).toEqual([]);
    }
    // Bob's socket got no Alice reservation events either.
    expect(leaver.inbox.ofType('RESERVATION_STATUS')).toEqual([]);
  });

  it('sends a heartbeat comment on idle SSE streams and counts connected clients', async () => {
    const hub = t.app.get(SseHub);
    const saved = hub.heartbeatMs;
    hub.heartbeatMs = 100;
    let sse: TestSse;
    try {
      sse = track(await openSse(`${t.url}/api/reservations/v7/events?access_token=${alice.token}`));
    } finally {
      hub.heartbeatMs = saved;
    }
    const socket: TestSocket = track(await connectSocket(t.url, alice.token));
    await until(async () => sse.raw().includes(': ping\n\n'), 3000, 'an SSE heartbeat');
    expect(socket.socket.connected).toBe(true);
    const metrics = await t.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/checkout_realtime_connected_clients\{transport="sse"\} [1-9]/);
    expect(metrics.text).toMatch(/checkout_realtime_connected_clients\{transport="socket.io"\} [1-9]/);
    expect(metrics.text).toMatch(/checkout_outbox_lag_seconds /);
  });
});

describe('realtime push of expiry (scheduler, HOLD_TTL_SECONDS=1)', () => {
  let t: TestApp;
  let option: TestOption;
  beforeAll(async () => {
    t = await startTestApp({ HOLD_TTL_SECONDS: '1' });
    option = await createOption(t, await createAdmin(t), { seatCount: 2 });
  });
  afterAll(() => t.close());

  it('pushes EXPIRED and the freed seat when the hold deadline passes', async () => {
    const user = await createUser(t);
    const socket = await connectSocket(t.url, user.token);
    const sse = await openSse(`${t.url}/api/concerts/options/${option.optionId}/seat-events`);
    try {
      await emitWithAck(socket.socket, 'seats.subscribe', { optionId: option.optionId });
      const id = (await checkout(t, user).hold(option.seatIds[0]).expect(201)).body.id as number;
      const expired = await socket.inbox.waitFor(isStatus(id, 'EXPIRED'), 5000, 'EXPIRED');
      expect(Object.keys(expired.data).sort()).toEqual(RESERVATION_FIELDS);
      expect(expired.data).toMatchObject({ userId: user.id, seatId: option.seatIds[0], paymentStatus: null });
      for (const inbox of [socket.inbox, sse.inbox]) {
        await inbox.waitFor(
          (r) => r.type === 'SEAT_STATUS' && r.data.status === 'AVAILABLE',
          5000,
          'seat AVAILABLE',
        );
      }
      expect(socket.inbox.ofType('RESERVATION_STATUS').map((e) => e.status)).toEqual(['HOLD', 'EXPIRED']);
    } finally {
      socket.close();
      sse.close();
    }
  });
});

describe('realtime push of webhook outcomes (pg-ready)', () => {
  let t: TestApp;
  let option: TestOption;
  beforeAll(async () => {
    t = await startTestApp({ PAYMENT_PROVIDER: 'pg-ready' });
    option = await createOption(t, await createAdmin(t), { seatCount: 2 });
  });
  afterAll(() => t.close());

  it('pushes payment FAILED and CONFIRMED caused by webhook deliveries', async () => {
    const user = await createUser(t);
    const socket = await connectSocket(t.url, user.token);
    try {
      const c = checkout(t, user);
      const id = await c.toPaying(option.seatIds[0]);
      const first = await c.confirm(id).expect(200);
      expect(first.body.paymentStatus).toBe('PENDING');
      await sendPgEvent(t, {
        status: 'FAILED',
        reservationId: id,
        amount: option.price,
        paymentTransactionId: first.body.paymentTransactionId,
        failureReason: 'card declined',
      }).expect(202);
      await socket.inbox.waitFor(isStatus(id, 'PAYING', 'FAILED'), 5000, 'PAYING/FAILED');
      const second = await c.confirm(id).expect(200);
      await sendPgEvent(t, {
        status: 'APPROVED',
        reservationId: id,
        amount: option.price,
        paymentTransactionId: second.body.paymentTransactionId,
      }).expect(202);
      await socket.inbox.waitFor(isStatus(id, 'CONFIRMED', 'SUCCESS'), 5000, 'CONFIRMED/SUCCESS');
      const seq = socket.inbox.ofType('RESERVATION_STATUS').map((e) => `${e.status}/${e.paymentStatus}`);
      expect(seq).toEqual(['HOLD/null', 'PAYING/null', 'PAYING/FAILED', 'CONFIRMED/SUCCESS']);
    } finally {
      socket.close();
    }
  });
});
