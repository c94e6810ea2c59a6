import { checkout } from '../support/checkout';
import { createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { connectSocket, openSse, Received } from '../../support/realtime-clients';
import { startTestApp, TestApp } from '../support/test-app';

const HOLD_EXPIRING_FIELDS = [
  'eventId',
  'holdExpiresAt',
  'optionId',
  'orderId',
  'reservationId',
  'secondsLeft',
  'seatId',
  'userId',
].sort();

const warningFor = (id: number) => (r: Received) => r.type === 'HOLD_EXPIRING' && r.data.reservationId === id;
const expiredFor = (id: number) => (r: Received) =>
  r.type === 'RESERVATION_STATUS' && r.data.reservationId === id && r.data.status === 'EXPIRED';

/** HOLD_EXPIRING to the fan's socket.io room and reservation SSE stream, and in its Last-Event-ID replay. */
describe('HOLD_EXPIRING push', () => {
  let t: TestApp;
  let fan: TestUser;
  let other: TestUser;
  let option: TestOption;

  beforeAll(async () => {
    t = await startTestApp({ HOLD_TTL_SECONDS: '3', HOLD_EXPIRY_WARNING_SECONDS: '2' });
    const admin = await createAdmin(t);
    [fan, other] = [await createUser(t), await createUser(t)];
    option = await createOption(t, admin, { seatCount: 5 });
  });
  afterAll(() => t?.close());

  it('reaches the owner over socket.io and SSE before EXPIRED, once, and nobody else', async () => {
    const socket = await connectSocket(t.url, fan.token);
    const stranger = await connectSocket(t.url, other.token);
    const sse = await openSse(`${t.url}/api/reservations/v7/events`, {
      Authorization: `Bearer ${fan.token}`,
    });
    try {
      const held = await checkout(t, fan).hold(option.seatIds[0]).expect(201);
      const id = held.body.id as number;
      const viaSocket = await socket.inbox.waitFor(warningFor(id), 6000, 'HOLD_EXPIRING over socket.io');
      const viaSse = await sse.inbox.waitFor(warningFor(id), 6000, 'HOLD_EXPIRING over SSE');
      expect(Object.keys(viaSocket.data).sort()).toEqual(HOLD_EXPIRING_FIELDS);
      expect(viaSocket.data).toMatchObject({
        reservationId: id,
        userId: fan.id,
        seatId: option.seatIds[0],
        optionId: option.optionId,
        holdExpiresAt: held.body.holdExpiresAt,
        secondsLeft: 2,
      });
      expect(viaSse.data).toEqual(viaSocket.data);
      expect(viaSse.id).toBe(String(viaSocket.data.eventId));
      await socket.inbox.waitFor(expiredFor(id), 6000, 'EXPIRED');
      await sse.inbox.waitFor(expiredFor(id), 6000, 'EXPIRED over SSE');
      const order = socket.inbox.events
        .filter((r) => r.data.reservationId === id)
        .map((r) => r.type + ':' + (r.data.status ?? ''));
      expect(order).toEqual(['RESERVATION_STATUS:HOLD', 'HOLD_EXPIRING:', 'RESERVATION_STATUS:EXPIRED']);
      expect(stranger.inbox.events.filter((r) => r.type === 'HOLD_EXPIRING')).toEqual([]);
    } finally {
      socket.close();
      stranger.close();
      sse.close();
    }
  });

  it('is replayed after Last-Event-ID', async () => {
    const live = await openSse(`${t.url}/api/reservations/v7/events`, {
      Authorization: `Bearer ${fan.token}`,
    });
    let holdEventId: number;
    let id: number;
    try {
      id = (await checkout(t, fan).hold(option.seatIds[1]).expect(201)).body.id;
      holdEventId = (await live.inbox.waitFor((r) => r.data.reservationId === id, 6000, 'HOLD')).data.eventId;
      await live.inbox.waitFor(warningFor(id), 6000, 'HOLD_EXPIRING');
    } finally {
      live.close();
    }
    const replay = await openSse(`${t.url}/api/reservations/v7/events`, {
      Authorization: `Bearer ${fan.token}`,
      'Last-Event-ID': String(holdEventId),
    });
    try {
      const replayed = await replay.inbox.waitFor(warningFor(id), 6000, 'replayed HOLD_EXPIRING');
      expect(replayed.data.secondsLeft).toBe(2);
    } finally {
      replay.close();
    }
  });
});
