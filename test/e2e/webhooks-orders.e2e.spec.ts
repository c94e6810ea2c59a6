import { WebhookReceiver } from '../../support/webhook-receiver';
import { checkout } from '../support/checkout';
import { bearer } from '../support/factories';
import { until } from '../support/wait';
import { startWorld, World } from '../support/world';

/**
 * A real order's life reaches the seller: a fan's hold, payment and refund through the API (an order of
 * one) arrive as ORDER_CONFIRMED and ORDER_REFUNDED, signed (verified with `standardwebhooks` by a
 * receiver on 127.0.0.1), each once, and a hold that is never paid announces nothing.
 */
describe('outbound webhooks follow real orders', () => {
  let w: World;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    w = await startWorld({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } });
    const created = await w.t
      .http()
      .post('/api/admin/webhook-endpoints')
      .set(bearer(w.admin))
      .send({
        url: receiver.url('/seller'),
        events: ['ORDER_CONFIRMED', 'ORDER_REFUNDED', 'ORDER_CANCELLED'],
      })
      .expect(201);
    receiver.verifyWith('/seller', created.body.secret as string);
  });
  afterAll(async () => {
    await w?.close();
    await receiver?.close();
  });

  const bodies = () =>
    receiver.on('/seller').map((m) => JSON.parse(m.body) as { type: string; data: Record<string, unknown> });

  it('a confirmed and then refunded order arrives as ORDER_CONFIRMED and ORDER_REFUNDED, signed, once each', async () => {
    await checkout(w.t, w.user).hold(w.seat()).expect(201); // held, never paid: nothing for the seller
    const paid = await w.confirmedTicket();
    await until(async () => receiver.on('/seller').length >= 1, 3000, 'ORDER_CONFIRMED');
    const order = await w.t.http().get(`/api/reservations/v7/${paid.id}`).set(bearer(w.user)).expect(200);
    const orderId = order.body.orderId as number;
    expect(bodies()[0]).toMatchObject({
      type: 'ORDER_CONFIRMED',
      data: {
        id: orderId,
        userId: w.user.id,
        status: 'CONFIRMED',
        totalAmount: paid.amount,
        refundedAmount: 0,
        items: [{ reservationId: paid.id, seatId: paid.seatId, status: 'CONFIRMED', amount: paid.amount }],
      },
    });
    // The contract's Order shape, as GET /api/orders/{id} answers it (read through the orders module).
    const asRead = await w.t.http().get(`/api/orders/${orderId}`).set(bearer(w.user)).expect(200);
    expect(bodies()[0].data).toMatchObject({
      concertId: asRead.body.concertId,
      optionId: asRead.body.optionId,
      adjacent: true,
      createdAt: asRead.body.createdAt,
      confirmedAt: asRead.body.confirmedAt,
      paymentStatus: 'SUCCESS',
      items: [expect.objectContaining({ seatNumber: asRead.body.items[0].seatNumber })],
    });
    await w.t.http().post(`/api/reservations/v7/${paid.id}/refund`).set(bearer(w.user)).send({}).expect(200);
    await until(async () => receiver.on('/seller').length >= 2, 3000, 'ORDER_REFUNDED');
    await new Promise((r) => setTimeout(r, 400));
    expect(bodies().map((b) => b.type)).toEqual(['ORDER_CONFIRMED', 'ORDER_REFUNDED']);
    expect(bodies()[1].data).toMatchObject({ id: orderId, status: 'REFUNDED', refundedAmount: paid.amount });
    const [confirmed, refunded] = receiver.on('/seller');
    expect([confirmed.verified, refunded.verified]).toEqual([[true], [true]]);
    expect(confirmed.id).not.toBe(refunded.id);
  });

  it('an order of two seats, cancelled before payment, arrives once as ORDER_CANCELLED with both items', async () => {
    const before = receiver.on('/seller').length;
    const seats = [w.seat(), w.seat()];
    const order = await w.t
      .http()
      .post('/api/orders')
      .set(bearer(w.user))
      .send({ optionId: w.option.optionId, seatIds: seats })
      .expect(201);
    await w.t.http().post(`/api/orders/${order.body.id}/paying`).set(bearer(w.user)).send({}).expect(200);
    await w.t.http().post(`/api/orders/${order.body.id}/cancel`).set(bearer(w.user)).send({}).expect(200);
    await until(async () => receiver.on('/seller').length > before, 3000, 'ORDER_CANCELLED');
    await new Promise((r) => setTimeout(r, 400)); // HOLD and PAYING announced nothing, and nothing more comes
    const sent = receiver.on('/seller').slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].verified).toEqual([true]);
    expect(JSON.parse(sent[0].body)).toMatchObject({
      type: 'ORDER_CANCELLED',
      data: {
        id: order.body.id,
        status: 'CANCELLED',
        totalAmount: order.body.totalAmount,
        items: seats.map((seatId) => expect.objectContaining({ seatId, status: 'CANCELLED' })),
      },
    });
  });

  it('a cancelled show arrives once as SHOW_CANCELLED carrying the run; its orders as ORDER_CANCELLED and ORDER_REFUNDED', async () => {
    const shows = await w.t
      .http()
      .post('/api/admin/webhook-endpoints')
      .set(bearer(w.admin))
      .send({ url: receiver.url('/shows'), events: ['SHOW_CANCELLED'] })
      .expect(201);
    receiver.verifyWith('/shows', shows.body.secret as string);
    const paid = await w.confirmedTicket();
    await until(
      async () => bodies().some((b) => b.data.status === 'CONFIRMED' && hasItem(b, paid.id)),
      3000,
      'paid',
    );
    const before = receiver.on('/seller').length;
    const reason = 'Storm: the venue is closed';
    const run = await w.t
      .http()
      .post(`/api/admin/concerts/options/${w.option.optionId}/cancellation`)
      .set(bearer(w.admin))
      .send({ reason })
      .expect(202);
    await until(async () => receiver.on('/shows').length >= 1, 3000, 'SHOW_CANCELLED');
    // The first test's hold, never paid, is cancelled with the show; the paid ticket is refunded by the run.
    await until(async () => receiver.on('/seller').length >= before + 2, 10_000, 'the orders of the show');
    await new Promise((r) => setTimeout(r, 400)); // and nothing more comes
    const [shown, ...more] = receiver.on('/shows');
    expect(more).toHaveLength(0);
    expect(shown.verified).toEqual([true]);
    expect(JSON.parse(shown.body)).toMatchObject({
      type: 'SHOW_CANCELLED',
      data: {
        id: run.body.id,
        optionId: w.option.optionId,
        concertId: w.option.concertId,
        reason,
        actorUserId: w.admin.id,
      },
    });
    const orders = bodies().slice(before);
    expect(orders.map((b) => b.type).sort()).toEqual(['ORDER_CANCELLED', 'ORDER_REFUNDED']);
    expect(orders.find((b) => b.type === 'ORDER_REFUNDED')!.data).toMatchObject({
      status: 'REFUNDED',
      refundedAmount: paid.amount,
      items: [expect.objectContaining({ reservationId: paid.id, status: 'REFUNDED' })],
    });
    expect(
      receiver
        .on('/seller')
        .slice(before)
        .every((m) => m.verified[0]),
    ).toBe(true);
  });
});

function hasItem(body: { data: Record<string, unknown> }, reservationId: number): boolean {
  const items = body.data.items as { reservationId: number }[] | undefined;
  return (items ?? []).some((i) => i.reservationId === reservationId);
}
