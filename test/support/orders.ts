import type { Fan, ModuleContext } from './module-harness';
import { OrderCreateService } from '../../src/modules/reservation/orders/order-create.service';
import { OrderTransitions } from '../../src/modules/reservation/orders/order-transitions.service';

/**
 * An order of `seatIds` held by `fan` (the reservation module's own service), optionally with the items'
 * amounts set as zones would price them (the order's total follows), and moved to PAYING by its own call.
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
  if (opts.paying !== false) await ctx.get(OrderTransitions).paying(fan.principal, order.id);
  return { orderId: order.id, itemIds: order.items.map((i) => i.reservationId) };
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

/** Cancels an unpaid order through the order's own call. */
export async function cancelUnpaidOrder(ctx: ModuleContext, fan: Fan, orderId: number): Promise<void> {
  await ctx.get(OrderTransitions).cancelUnpaid(fan.principal, orderId);
}
