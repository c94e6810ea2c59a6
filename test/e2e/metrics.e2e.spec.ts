import { checkout } from '../support/checkout';
import { createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { connectSocket, TestSocket } from '../../support/realtime-clients';
import { sendPgEvent, sendSignedWebhook } from '../support/signed-webhook';
import { TestGateway } from '../support/test-gateway';
import { startTestApp, TestApp } from '../support/test-app';
import { reservationStatus } from '../support/fixtures';
import { parseSamples, Sample, sumOf, valueOf } from '../../support/prometheus';
import { until } from '../support/wait';

/** Short enough to wait for one real expiry, long enough for the steps before it on a busy machine. */
const HOLD_TTL_SECONDS = 4;

describe('GET /metrics after a hold, confirmations, an expiry, webhooks and a socket', () => {
  let t: TestApp;
  let user: TestUser;
  let option: TestOption;
  let socket: TestSocket | undefined;

  beforeAll(async () => {
    // A scripted gateway that passes for pg-ready: the signed webhook settles only pg-ready's attempts.
    t = await startTestApp(
      { HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS), MAX_ACTIVE_HOLDS_PER_USER: '2' },
      { paymentGateway: new TestGateway('pg-ready') },
    );
    const admin = await createAdmin(t);
    user = await createUser(t, 'metrics');
    option = await createOption(t, admin, { seatCount: 10, price: 30000 });
  });
  afterAll(async () => {
    socket?.close();
    await t.close();
  });

  async function scrape(): Promise<Sample[]> {
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseSamples(res.text);
  }

  it('counts each family with the labels an operator filters by', async () => {
    const c = checkout(t, user);
    const [approveSeat, declineSeat, pendingSeat, cancelSeat, expireSeat, limitSeat] = option.seatIds;

    // Confirmations: approve, decline, and a pending attempt that a signed webhook later approves.
    const approved = await c.toPaying(approveSeat);
    expect((await c.confirm(approved).expect(200)).body.status).toBe('CONFIRMED');
    const declined = await c.toPaying(declineSeat);
    const failed = await c.confirm(declined, { mockOutcome: 'decline' }).expect(200);
    expect(failed.body.paymentStatus).toBe('FAILED');
    await c.cancel(declined).expect(200);
    const pending = await c.toPaying(pendingSeat);
    const waiting = await c.confirm(pending, { mockOutcome: 'pending' }).expect(200);
    expect(waiting.body.paymentStatus).toBe('PENDING');
    await sendPgEvent(t, { status: 'APPROVED', reservationId: pending, amount: option.price }).expect(202);
    await sendSignedWebhook(t, '{"status":"APPROVED"}', { signature: 't=1,v1=00' }).expect(401);

    // Holds: refused ones are counted by their error code; one hold is left to expire on its own.
    await c.hold(approveSeat).expect(409);
    const cancelled = await c.hold(cancelSeat).expect(201);
    const held = await c.hold(expireSeat).expect(201);
    await c.hold(limitSeat).expect(409); // a 3rd live hold with MAX_ACTIVE_HOLDS_PER_USER=2
    await c.cancel(cancelled.body.id).expect(200);
    socket = await connectSocket(t.url, user.token);

    // The expiry must come from the backend, so wait on the database, not on a GET (a GET expires too).
    await until(
      async () => (await reservationStatus(t, held.body.id)) === 'EXPIRED',
      (HOLD_TTL_SECONDS + 8) * 1000,
      'the hold to expire by itself',
    );
    await c.get(approved).expect(200);
    await c.get(held.body.id).expect(200);

    const m = await scrape();
    expect(valueOf(m, 'checkout_holds_total', { result: 'success' })).toBe(5);
    expect(valueOf(m, 'checkout_holds_total', { result: 'SEAT_NOT_AVAILABLE' })).toBe(1);
    expect(valueOf(m, 'checkout_holds_total', { result: 'HOLD_LIMIT_REACHED' })).toBe(1);

    for (const outcome of ['SUCCESS', 'FAILED', 'PENDING']) {
      expect(valueOf(m, 'checkout_confirmations_total', { provider: 'pg-ready', outcome })).toBe(1);
    }
    expect(valueOf(m, 'checkout_webhook_results_total', { result: 'CONFIRMED' })).toBe(1);
    expect(valueOf(m, 'checkout_webhook_results_total', { result: 'SIGNATURE_INVALID' })).toBe(1);

    const expiries = m.filter((s) => s.name === 'checkout_expiries_total');
    expect(sumOf(m, 'checkout_expiries_total')).toBe(1);
    expect(expiries.find((s) => s.value === 1)?.labels.source).toMatch(/\w+/);
    expect(valueOf(m, 'checkout_expiry_lateness_seconds_count')).toBe(1);
    const lateness = valueOf(m, 'checkout_expiry_lateness_seconds_sum')!;
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(5);

    const lag = valueOf(m, 'checkout_outbox_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(30);
    expect(valueOf(m, 'checkout_realtime_connected_clients', { transport: 'socket.io' })).toBe(1);

    // Latency by route pattern: ids never become label values (bounded cardinality).
    const byId = { method: 'GET', route: '/api/reservations/v7/:id', status: '200' };
    expect(valueOf(m, 'http_request_duration_seconds_count', byId)).toBe(2);
    expect(valueOf(m, 'http_request_duration_seconds_bucket', { ...byId, le: '+Inf' })).toBe(2);
    const confirmRoute = { method: 'POST', route: '/api/reservations/v7/:id/confirm', status: '200' };
    expect(valueOf(m, 'http_request_duration_seconds_count', confirmRoute)).toBe(3);
    const routes = new Set(
      m.filter((s) => s.name === 'http_request_duration_seconds_count').map((s) => s.labels.route),
    );
    for (const route of routes) expect(route).not.toMatch(/\/\d+(\/|$)/);
  });

  it('drops the socket gauge when the client disconnects', async () => {
    socket?.close();
    socket = undefined;
    const connected = async () =>
      valueOf(await scrape(), 'checkout_realtime_connected_clients', { transport: 'socket.io' });
    await until(async () => (await connected()) === 0, 5000, 'the socket gauge to drop to 0');
  });
});
