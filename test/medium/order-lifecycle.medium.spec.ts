import { DomainError } from '../../src/common/errors/domain-error';
import { inTransaction } from '../../src/database/transaction';
import { CheckoutModule } from '../../src/modules/checkout/checkout.module';
import { OrderCreateService } from '../../src/modules/reservation/orders/order-create.service';
import { OrderTransitions } from '../../src/modules/reservation/orders/order-transitions.service';
import { ReservationModule } from '../../src/modules/reservation/reservation.module';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import { moneyAndSeatProblems } from '../../support/invariants';
import { freshRedis, Show } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
import { TEST_REDIS_URL } from '../support/test-env';
import { until } from '../support/wait';

async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'OK';
}

interface OrderEvent {
  status: string;
  reason: string | null;
  refundedAmount: number;
  items: { reservationId: number; seatId: number; status: string }[];
}

/**
 * An order's lifecycle without money, on the reservation module with real PostgreSQL and Redis: one
 * deadline (the items expire together), paying and cancel of the whole order, ORDER_REQUIRED on the v7
 * calls for an unpaid item, the named moves the money side calls (confirm all, refund some), the show's
 * cancellation, and ORDER_STATUS written with each change.
 */
describe('order lifecycle (reservation module on PostgreSQL and Redis)', () => {
  let t: ModuleContext;
  let show: Show;
  let next = 0;
  const seats = (n: number) => show.seatIds.slice(next, (next += n));
  const create = async (fan: Fan, n: number) =>
    t.get(OrderCreateService).create(fan.principal, { optionId: show.optionId, seatIds: seats(n) });
  const orders = () => t.get(OrderTransitions);
  const orderEvents = async (orderId: number): Promise<OrderEvent[]> =>
    (
      await t.dataSource.query(
        `SELECT payload FROM outbox_events WHERE event_type = 'ORDER_STATUS' AND (payload->>'orderId')::int = $1
          ORDER BY id`,
        [orderId],
      )
    ).map((r: { payload: OrderEvent }) => r.payload);
  const orderRow = async (id: number) =>
    (await t.dataSource.query(`SELECT status, cancel_reason FROM orders WHERE id = $1`, [id]))[0];

  beforeAll(async () => {
    await (await freshRedis()).quit();
    t = await startModules([ReservationModule, CheckoutModule], {
      env: { REDIS_URL: TEST_REDIS_URL, HOLD_TTL_SECONDS: '3', MAX_ACTIVE_HOLDS_PER_USER: '0' },
    });
    show = await t.newShow({ seats: 60, price: 10_000 });
  });
  afterAll(() => t?.close());

  it('expires every item of an order together within 1 s of its deadline, with one ORDER_STATUS', async () => {
    const fan = await t.newUser();
    const order = await create(fan, 4);
    await until(async () => (await orderRow(order.id)).status === 'EXPIRED', 6000, 'the order EXPIRED');
    const items = await t.dataSource.query(
      `SELECT r.status, r.expired_at, r.hold_expires_at, s.status AS seat FROM reservations r
         JOIN seats s ON s.id = r.seat_id WHERE r.order_id = $1`,
      [order.id],
    );
    expect(items).toHaveLength(4);
    for (const item of items) {
      expect(item).toMatchObject({ status: 'EXPIRED', seat: 'AVAILABLE' });
      const late = item.expired_at.getTime() - item.hold_expires_at.getTime();
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(1000);
      expect(item.expired_at.getTime()).toBe(items[0].expired_at.getTime());
    }
    const events = await orderEvents(order.id);
    expect(events.map((e) => e.status)).toEqual(['EXPIRED']);
    expect(events[0].items.map((i) => i.status)).toEqual(['EXPIRED', 'EXPIRED', 'EXPIRED', 'EXPIRED']);
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });

  it('paying moves the whole order to PAYING with its deadline; cancel frees every seat', async () => {
    const fan = await t.newUser();
    const order = await create(fan, 3);
    const paying = await orders().paying(fan.principal, order.id);
    expect(paying.status).toBe('PAYING');
    expect(paying.holdExpiresAt).toEqual(order.holdExpiresAt);
    expect(paying.items.map((i) => i.status)).toEqual(['PAYING', 'PAYING', 'PAYING']);
    expect((await orders().paying(fan.principal, order.id)).status).toBe('PAYING');
    const cancelled = (await orders().cancelUnpaid(fan.principal, order.id))!;
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.cancelledAt).not.toBeNull();
    expect(cancelled.items.map((i) => i.status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    const [{ taken }] = await t.dataSource.query(
      `SELECT count(*)::int AS taken FROM seats WHERE id = ANY($1) AND status <> 'AVAILABLE'`,
      [order.items.map((i) => i.seatId)],
    );
    expect(taken).toBe(0);
    expect((await orderEvents(order.id)).map((e) => [e.status, e.reason])).toEqual([
      ['PAYING', null],
      ['CANCELLED', null],
    ]);
    expect(await codeOf(orders().paying(fan.principal, order.id))).toBe('INVALID_STATE_TRANSITION');
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });

  it('v7 paying, confirm and cancel on an unpaid item of an order of two or more: 409 ORDER_REQUIRED', async () => {
    const fan = await t.newUser();
    const order = await create(fan, 2);
    const item = order.items[0].reservationId;
    const v7 = t.get(ReservationTransitions);
    expect(await codeOf(v7.paying(fan.principal, item))).toBe('ORDER_REQUIRED');
    expect(await codeOf(v7.cancelUnpaid(fan.principal, item))).toBe('ORDER_REQUIRED');
    await orders().paying(fan.principal, order.id);
    expect(await codeOf(t.confirm(fan, item))).toBe('ORDER_REQUIRED');
    expect(await codeOf(v7.cancelUnpaid(fan.principal, item))).toBe('ORDER_REQUIRED');
    // An order of one keeps every v7 answer.
    const single = await create(fan, 1);
    expect((await v7.paying(fan.principal, single.items[0].reservationId)).status).toBe('PAYING');
    // Ended items keep their v7 answers.
    await orders().cancelUnpaid(fan.principal, order.id);
    expect(await codeOf(v7.paying(fan.principal, item))).toBe('INVALID_STATE_TRANSITION');
  });

  it('the money side moves the order: confirm all → CONFIRMED, refund some → PARTIALLY_REFUNDED, then REFUNDED', async () => {
    const fan = await t.newUser();
    const order = await create(fan, 3);
    await orders().paying(fan.principal, order.id);
    const [a, b, c] = order.items.map((i) => i.reservationId);
    const confirmed = await inTransaction(t.dataSource, async (em) => {
      const locked = (await orders().lock(em, order.id))!;
      expect(locked.items.map((i) => i.id)).toEqual([a, b, c]);
      return orders().move(em, order.id, 'confirm');
    });
    expect(confirmed.map((i) => i.status)).toEqual(['CONFIRMED', 'CONFIRMED', 'CONFIRMED']);
    expect((await orders().view(order.id))!.confirmedAt).not.toBeNull();
    await inTransaction(t.dataSource, (em) => orders().move(em, order.id, 'refund', [b]));
    const partly = (await orders().view(order.id))!;
    expect(partly).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      refundedAmount: 10_000,
      totalAmount: 30_000,
    });
    // A named item that is not CONFIRMED does not move.
    expect(await inTransaction(t.dataSource, (em) => orders().move(em, order.id, 'refund', [b]))).toEqual([]);
    await inTransaction(t.dataSource, (em) => orders().move(em, order.id, 'refund', [a, c]));
    expect((await orders().view(order.id))!).toMatchObject({ status: 'REFUNDED', refundedAmount: 30_000 });
    expect((await orderEvents(order.id)).map((e) => [e.status, e.refundedAmount])).toEqual([
      ['PAYING', 0],
      ['CONFIRMED', 0],
      ['PARTIALLY_REFUNDED', 10_000],
      ['REFUNDED', 30_000],
    ]);
  });

  it('the show cancellation cancels every HOLD/PAYING order of the option with reason SHOW_CANCELLED', async () => {
    const other = await t.newShow({ seats: 4 });
    const fan = await t.newUser();
    const held = await create(fan, 2);
    const paying = await create(fan, 2);
    await orders().paying(fan.principal, paying.id);
    const elsewhere = await t.get(OrderCreateService).create(fan.principal, {
      optionId: other.optionId,
      seatIds: other.seatIds.slice(0, 2),
    });
    const result = await inTransaction(t.dataSource, (em) => orders().cancelForShow(em, show.optionId));
    await orders().dropDeadlines(result.firstItemIds);
    expect(result.orderIds).toEqual(expect.arrayContaining([held.id, paying.id]));
    for (const id of [held.id, paying.id]) {
      expect(await orderRow(id)).toEqual({ status: 'CANCELLED', cancel_reason: 'SHOW_CANCELLED' });
      expect((await orderEvents(id)).pop()).toMatchObject({ status: 'CANCELLED', reason: 'SHOW_CANCELLED' });
    }
    expect((await orderRow(elsewhere.id)).status).toBe('HOLD');
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });
});
