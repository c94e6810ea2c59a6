import { bearer, createUser, TestUser } from '../support/factories';
import { sendPgEvent } from '../support/signed-webhook';
import { startWorld, World } from '../support/world';

/**
 * The HTTP contract of an order's money (contract "Orders: several seats, one payment"): confirm with
 * Idempotency-Key, the order's ledger, the fan's refund per item and the admin's per order, on the mock
 * provider, the wallet and pg-ready (signed webhook by orderId). The rules are in order-money.medium.spec.ts.
 */
async function payingOrder(w: World, fan: TestUser, seats = 2) {
  const seatIds = [w.seat(), ...Array.from({ length: seats - 1 }, () => w.seat())];
  const res = await w.t
    .http()
    .post('/api/orders')
    .set(bearer(fan))
    .send({ optionId: w.option.optionId, seatIds })
    .expect(201);
  await w.t.http().post(`/api/orders/${res.body.id}/paying`).set(bearer(fan)).expect(200);
  return res.body as { id: number; totalAmount: number; items: { reservationId: number; amount: number }[] };
}

const confirm = (w: World, fan: TestUser, id: number, body: object = {}, key?: string) => {
  const req = w.t.http().post(`/api/orders/${id}/confirm`).set(bearer(fan));
  if (key) req.set('Idempotency-Key', key);
  return req.send(body);
};

describe('order payments over HTTP (mock provider)', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ env: { PAYMENT_PROVIDER: 'mock' }, price: 40_000 });
  });
  afterAll(() => w.close());

  it('confirm: one attempt for the total, every item CONFIRMED; the key replays, another body is 422', async () => {
    const order = await payingOrder(w, w.user, 3);
    const first = await confirm(w, w.user, order.id, {}, 'order-key-1').expect(200);
    expect(first.body).toMatchObject({
      id: order.id,
      status: 'CONFIRMED',
      totalAmount: 120_000,
      paymentStatus: 'SUCCESS',
      paymentAction: 'NONE',
    });
    expect(first.body.items.map((i: { status: string }) => i.status)).toEqual([
      'CONFIRMED',
      'CONFIRMED',
      'CONFIRMED',
    ]);
    const replay = await confirm(w, w.user, order.id, {}, 'order-key-1').expect(200);
    expect(replay.body).toEqual(first.body);
    const reused = await confirm(w, w.user, order.id, { mockOutcome: 'decline' }, 'order-key-1').expect(422);
    expect(reused.body.errorCode).toBe('IDEMPOTENCY_KEY_REUSED');

    const ledger = await w.t.http().get(`/api/orders/${order.id}/payments`).set(bearer(w.user)).expect(200);
    expect(ledger.body).toEqual([
      expect.objectContaining({
        orderId: order.id,
        reservationId: null,
        type: 'PAYMENT',
        status: 'SUCCESS',
        amount: 120_000,
      }),
    ]);
  });

  it('a decline answers 200 PAYING with RETRY_CONFIRM', async () => {
    const order = await payingOrder(w, w.user);
    const res = await confirm(w, w.user, order.id, { mockOutcome: 'decline' }).expect(200);
    expect(res.body).toMatchObject({
      status: 'PAYING',
      paymentStatus: 'FAILED',
      paymentAction: 'RETRY_CONFIRM',
    });
  });

  it('refund per item: 200 PARTIALLY_REFUNDED with refundedAmount; bad input 400; someone else 404', async () => {
    const order = await payingOrder(w, w.user, 2);
    await confirm(w, w.user, order.id).expect(200);
    const item = order.items[1].reservationId;
    const res = await w.t
      .http()
      .post(`/api/orders/${order.id}/refund`)
      .set(bearer(w.user))
      .send({ reservationIds: [item] })
      .expect(200);
    expect(res.body).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 40_000 });
    expect(res.body.items.find((i: { reservationId: number }) => i.reservationId === item).status).toBe(
      'REFUNDED',
    );

    const bad = await w.t
      .http()
      .post(`/api/orders/${order.id}/refund`)
      .set(bearer(w.user))
      .send({ reservationIds: ['x'] })
      .expect(400);
    expect(bad.body.errorCode).toBe('VALIDATION_FAILED');
    const stranger = await createUser(w.t);
    const hidden = await w.t
      .http()
      .post(`/api/orders/${order.id}/refund`)
      .set(bearer(stranger))
      .send({})
      .expect(404);
    expect(hidden.body.errorCode).toBe('NOT_FOUND');
    const again = await w.t
      .http()
      .post(`/api/orders/${order.id}/refund`)
      .set(bearer(w.user))
      .send({ reservationIds: [item] })
      .expect(409);
    expect(again.body.errorCode).toBe('REFUND_NOT_ALLOWED');
  });

  it('admin refund of an order: 403 + DENIED rows for a fan, 400 + FAILED rows without a reason, 200 with one SUCCESS row per item', async () => {
    const order = await payingOrder(w, w.user, 2);
    await confirm(w, w.user, order.id).expect(200);
    const path = `/api/admin/orders/${order.id}/refund`;
    await w.t.http().post(path).set(bearer(w.user)).send({ reason: 'please' }).expect(403);
    await w.t.http().post(path).set(bearer(w.admin)).send({}).expect(400);
    const done = await w.t.http().post(path).set(bearer(w.admin)).send({ reason: 'box office' }).expect(200);
    expect(done.body).toMatchObject({ status: 'REFUNDED', refundedAmount: 80_000 });
    const rows: { reservationId: number; result: string }[] = await w.t.dataSource.query(
      `SELECT reservation_id AS "reservationId", result FROM admin_refund_audit_logs
        WHERE reservation_id = ANY($1) ORDER BY id`,
      [order.items.map((i) => i.reservationId)],
    );
    const ids = order.items.map((i) => i.reservationId);
    expect(rows).toEqual([
      ...ids.map((reservationId) => ({ reservationId, result: 'DENIED' })),
      ...ids.map((reservationId) => ({ reservationId, result: 'FAILED' })),
      ...ids.map((reservationId) => ({ reservationId, result: 'SUCCESS' })),
    ]);
  });
});

describe('order payments over HTTP (wallet)', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      env: { PAYMENT_PROVIDER: 'wallet', WALLET_INITIAL_BALANCE: '100000' },
      price: 40_000,
    });
  });
  afterAll(() => w.close());

  it('debits the total once; too low a balance is 409 INSUFFICIENT_BALANCE and the order stays PAYING', async () => {
    const order = await payingOrder(w, w.user, 2);
    await confirm(w, w.user, order.id).expect(200);
    const me = await w.t.http().get('/api/auth/me').set(bearer(w.user)).expect(200);
    expect(me.body.walletBalanceAmount).toBe(20_000);

    const poor = await payingOrder(w, w.user, 2);
    const res = await confirm(w, w.user, poor.id).expect(409);
    expect(res.body.errorCode).toBe('INSUFFICIENT_BALANCE');
    const view = await w.t.http().get(`/api/orders/${poor.id}`).set(bearer(w.user)).expect(200);
    expect(view.body).toMatchObject({ status: 'PAYING', paymentStatus: 'FAILED' });
  });
});

describe('order payments over HTTP (pg-ready)', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ env: { PAYMENT_PROVIDER: 'pg-ready' }, price: 40_000 });
  });
  afterAll(() => w.close());

  it('confirm waits for the webhook; a signed event with orderId confirms the order (202), its repeat is 200', async () => {
    const order = await payingOrder(w, w.user, 2);
    const pending = await confirm(w, w.user, order.id).expect(200);
    expect(pending.body).toMatchObject({
      status: 'PAYING',
      paymentStatus: 'PENDING',
      paymentAction: 'WAIT_WEBHOOK',
    });
    const event = {
      providerEventId: `evt-order-${order.id}`,
      status: 'APPROVED',
      orderId: order.id,
      amount: 80_000,
    };
    const res = await sendPgEvent(w.t, event, { nowMs: w.clock.now().getTime() }).expect(202);
    expect(res.body).toEqual({ accepted: true, duplicate: false, result: 'CONFIRMED' });
    await sendPgEvent(w.t, event, { nowMs: w.clock.now().getTime() }).expect(200);
    const view = await w.t.http().get(`/api/orders/${order.id}`).set(bearer(w.user)).expect(200);
    expect(view.body).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'SUCCESS' });
  });

  it('a webhook without orderId or reservationId is 400', async () => {
    const res = await sendPgEvent(w.t, { status: 'APPROVED', amount: 1 } as never).expect(400);
    expect(res.body.errorCode).toBe('VALIDATION_FAILED');
  });
});
