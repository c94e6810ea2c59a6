import type { Fan, ModuleContext } from './module-harness';
import { OrderCreateService } from '../../src/modules/reservation/orders/order-create.service';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';

/**
 * An order of `seatIds` held by `fan` (the reservation module's own service), optionally with the items'
 * amounts set as zones would price them (the order's total follows), and moved to PAYING.
 */
export async function newOrder(
  ctx: ModuleContext,
  fan: Fan,
  optionId: number,
  seatIds: number[],
  opts: { amounts?: number[]; paying?: boolean } = {},
) {
  const order = await ctx.get(OrderCreateService).create(fan.principal, { optionId, seatIds });
  if (opts.amounts) {
    const ids = order.items.map((i) => i.reservationId);
    await ctx.dataSource.query(
      `UPDATE reservations r SET amount = a.amount FROM unnest($1::int[], $2::int[]) AS a(id, amount)
        WHERE r.id = a.id`,
      [ids, opts.amounts],
    );
    await ctx.dataSource.query(`UPDATE orders SET total_amount = $2 WHERE id = $1`, [
      order.id,
      opts.amounts.reduce((a, b) => a + b, 0),
    ]);
  }
  if (opts.paying !== false) await payingInSql(ctx, order.id);
  return { orderId: order.id, itemIds: order.items.map((i) => i.reservationId) };
}

/**
 * HOLD → PAYING for every item, as the order's paying call does (the orders trigger moves the order).
 * Written in SQL until the order lifecycle's paying call is merged (h-35hold).
 */
export async function payingInSql(ctx: ModuleContext, orderId: number): Promise<void> {
  await ctx.dataSource.query(
    `UPDATE reservations SET status = 'PAYING', updated_at = now() WHERE order_id = $1 AND status = 'HOLD'`,
    [orderId],
  );
}

/** Σ SUCCESS PAYMENT − Σ SUCCESS REFUND, and Σ amount of CONFIRMED items, of an order. */
export async function orderMoney(ctx: ModuleContext, orderId: number) {
  const [row]: { net: number; confirmed: number }[] = await ctx.dataSource.query(
    `SELECT (SELECT COALESCE(sum(CASE WHEN type = 'PAYMENT' THEN amount ELSE -amount END), 0)
               FROM payment_transactions WHERE order_id = $1 AND status = 'SUCCESS')::int AS net,
            (SELECT COALESCE(sum(amount), 0) FROM reservations
              WHERE order_id = $1 AND status = 'CONFIRMED')::int AS confirmed`,
    [orderId],
  );
  return row;
}

export async function orderStatus(ctx: ModuleContext, orderId: number): Promise<string> {
  const [row]: { status: string }[] = await ctx.dataSource.query(`SELECT status FROM orders WHERE id = $1`, [
    orderId,
  ]);
  return row.status;
}

/** The order's ledger, oldest first, as `TYPE:STATUS:amount[:item]`. */
export async function orderLedger(ctx: ModuleContext, orderId: number): Promise<string[]> {
  const rows: { type: string; status: string; amount: number; reservationId: number | null }[] =
    await ctx.dataSource.query(
      `SELECT type, status, amount::int AS amount, reservation_id AS "reservationId"
         FROM payment_transactions WHERE order_id = $1 ORDER BY id`,
      [orderId],
    );
  return rows.map(
    (r) => `${r.type}:${r.status}:${r.amount}${r.type === 'REFUND' ? `:${r.reservationId}` : ''}`,
  );
}

/**
 * Cancels an unpaid order item by item through the v7 transition (the order follows once every item is
 * CANCELLED). Stands in for the order's own cancel call until the order lifecycle is merged (h-35hold).
 */
export async function cancelUnpaidInSteps(ctx: ModuleContext, fan: Fan, itemIds: number[]): Promise<void> {
  for (const id of itemIds) await ctx.get(ReservationTransitions).cancelUnpaid(fan.principal, id);
}
