import { CheckoutModule } from '../../src/modules/checkout/checkout.module';
import { ConfirmService } from '../../src/modules/checkout/confirm.service';
import { PaymentAttempts } from '../../src/modules/checkout/payment-attempts.service';
import { PaymentReconciler } from '../../src/modules/checkout/reconcile/payment-reconciler.service';
import { StuckPaymentsService } from '../../src/modules/checkout/stuck/stuck-payments.service';
import { HoldExpiryService } from '../../src/modules/reservation/expiry/hold-expiry.service';
import { PgWebhookEventDto } from '../../src/modules/checkout/webhook/pg-webhook.dto';
import { PgWebhookService } from '../../src/modules/checkout/webhook/pg-webhook.service';
import { OrderRefundService } from '../../src/modules/refund/order-refund.service';
import { RefundModule } from '../../src/modules/refund/refund.module';
import { RefundService } from '../../src/modules/refund/refund.service';
import { reservationStatus } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
import { newOrder, orderLedger, orderMoney, orderStatus } from '../support/orders';
import { pgEventBody } from '../support/signed-webhook';
import { TestGateway } from '../support/test-gateway';

const AMOUNTS = [70_000, 50_000, 30_000];
const TOTAL = 150_000;

/**
 * One payment per order, refunds per item (contract "Orders: several seats, one payment"): confirm moves
 * every item together, a decline leaves the order PAYING, each item is refunded exactly its own amount, the
 * PG webhook settles by orderId or by any item, a late APPROVED refunds every item, and the admin refund of
 * an order ignores the cutoff and leaves one audit row per item.
 */
describe('order money (medium)', () => {
  let ctx: ModuleContext;
  const gateway = new TestGateway('mock');
  let fan: Fan;
  let optionId: number;
  let seatIds: number[];

  beforeAll(async () => {
    ctx = await startModules([CheckoutModule, RefundModule], {
      gateway,
      env: { MAX_ACTIVE_HOLDS_PER_USER: '0', MAX_SEATS_PER_ORDER: '10' },
    });
  });
  afterAll(() => ctx.close());
  beforeEach(async () => {
    gateway.reset();
    ctx.clock.reset();
    fan = await ctx.newUser();
    ({ optionId, seatIds } = await ctx.newShow({ seats: 6, price: 50_000 }));
  });

  const order = (ids = seatIds.slice(0, 3)) => newOrder(ctx, fan, optionId, ids, { amounts: AMOUNTS });
  const confirm = (orderId: number) => ctx.get(ConfirmService).confirmOrder(fan.principal, orderId, {});

  it('one attempt for the total; SUCCESS confirms every item in one step', async () => {
    const { orderId, itemIds } = await order();
    await confirm(orderId);

    expect(await orderLedger(ctx, orderId)).toEqual([`PAYMENT:SUCCESS:${TOTAL}`]);
    const [payment] = await ctx.get(PaymentAttempts).listForOrder(orderId);
    expect(payment).toMatchObject({ orderId, reservationId: null });
    expect(await orderStatus(ctx, orderId)).toBe('CONFIRMED');
    for (const id of itemIds) expect(await reservationStatus(ctx, id)).toBe('CONFIRMED');
    expect(gateway.chargeCalls).toBe(1);
  });

  it('a decline leaves the order PAYING; the retry is a new attempt', async () => {
    const { orderId } = await order();
    gateway.charges = ['decline'];
    await confirm(orderId);
    expect(await orderStatus(ctx, orderId)).toBe('PAYING');
    await confirm(orderId);
    expect(await orderLedger(ctx, orderId)).toEqual([`PAYMENT:FAILED:${TOTAL}`, `PAYMENT:SUCCESS:${TOTAL}`]);
    expect(await orderStatus(ctx, orderId)).toBe('CONFIRMED');
  });

  it('refunds per item: each its own amount, PARTIALLY_REFUNDED until the last, never twice', async () => {
    const { orderId, itemIds } = await order();
    await confirm(orderId);
    const refunds = ctx.get(OrderRefundService);

    const partial = await refunds.refundByUser(fan.principal, orderId, [itemIds[1]]);
    expect(partial).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: AMOUNTS[1] });
    expect(await orderMoney(ctx, orderId)).toEqual({
      net: TOTAL - AMOUNTS[1],
      confirmed: TOTAL - AMOUNTS[1],
    });

    await expect(refunds.refundByUser(fan.principal, orderId, [itemIds[1]])).rejects.toMatchObject({
      code: 'REFUND_NOT_ALLOWED',
    });
    const rest = await refunds.refundByUser(fan.principal, orderId);
    expect(rest).toMatchObject({ status: 'REFUNDED', refundedAmount: TOTAL });
    expect(await orderLedger(ctx, orderId)).toEqual([
      `PAYMENT:SUCCESS:${TOTAL}`,
      `REFUND:SUCCESS:${AMOUNTS[1]}:${itemIds[1]}`,
      `REFUND:SUCCESS:${AMOUNTS[0]}:${itemIds[0]}`,
      `REFUND:SUCCESS:${AMOUNTS[2]}:${itemIds[2]}`,
    ]);
    await expect(refunds.refundByUser(fan.principal, orderId)).rejects.toMatchObject({
      code: 'REFUND_NOT_ALLOWED',
    });
  });

  it('a named item that is not CONFIRMED refuses the whole refund, and nothing is refunded', async () => {
    const { orderId, itemIds } = await order();
    await confirm(orderId);
    await ctx.get(OrderRefundService).refundByUser(fan.principal, orderId, [itemIds[0]]);
    await expect(
      ctx.get(OrderRefundService).refundByUser(fan.principal, orderId, [itemIds[0], itemIds[2]]),
    ).rejects.toMatchObject({ code: 'REFUND_NOT_ALLOWED' });
    expect(await reservationStatus(ctx, itemIds[2])).toBe('CONFIRMED');
    expect((await orderLedger(ctx, orderId)).length).toBe(2);
  });

  it('v7 on an item: confirm of an unpaid one is ORDER_REQUIRED; refund takes that item alone; /payments lists the order attempt and its refunds', async () => {
    const { orderId, itemIds } = await order();
    await expect(ctx.confirm(fan, itemIds[0])).rejects.toMatchObject({ code: 'ORDER_REQUIRED' });
    await confirm(orderId);
    const view = await ctx.get(RefundService).refundByUser(fan.principal, itemIds[2]);
    expect(view.status).toBe('REFUNDED');
    expect(await orderStatus(ctx, orderId)).toBe('PARTIALLY_REFUNDED');
    const rows = await ctx.get(PaymentAttempts).listForItem(orderId, itemIds[2]);
    expect(rows.map((r) => `${r.type}:${r.amount}`)).toEqual([`PAYMENT:${TOTAL}`, `REFUND:${AMOUNTS[2]}`]);
    expect(await ctx.get(PaymentAttempts).listForItem(orderId, itemIds[0])).toHaveLength(1);
  });

  it('the cutoff binds the fan; the admin refund ignores it and audits each item', async () => {
    const { orderId, itemIds } = await order();
    await confirm(orderId);
    ctx.clock.advance(30 * 24 * 3600 * 1000); // past the cutoff (the show is 30 days ahead)
    await expect(ctx.get(OrderRefundService).refundByUser(fan.principal, orderId)).rejects.toMatchObject({
      code: 'REFUND_CUTOFF_PASSED',
    });
    const admin = await ctx.newUser('ADMIN');
    const outcomes = await ctx
      .get(OrderRefundService)
      .refundAsAdmin(admin.principal, orderId, 'venue closed');
    expect(outcomes.map((o) => o.result)).toEqual(['REFUNDED', 'REFUNDED', 'REFUNDED']);
    const audit: { reservationId: number; result: string }[] = await ctx.dataSource.query(
      `SELECT reservation_id AS "reservationId", result FROM admin_refund_audit_logs
        WHERE reservation_id = ANY($1) ORDER BY reservation_id`,
      [itemIds],
    );
    expect(audit).toEqual(itemIds.map((reservationId) => ({ reservationId, result: 'SUCCESS' })));
    expect(await orderStatus(ctx, orderId)).toBe('REFUNDED');
  });

  it('a refund the gateway refuses stays FAILED; the retry sends the same item-derived idempotency key', async () => {
    const { orderId, itemIds } = await order();
    await confirm(orderId);
    const keys: string[] = [];
    gateway.refundBehaviour = 'decline';
    await expect(
      ctx.get(OrderRefundService).refundByUser(fan.principal, orderId, [itemIds[0]]),
    ).rejects.toMatchObject({ code: 'PAYMENT_GATEWAY_ERROR' });
    gateway.refundBehaviour = 'ok';
    gateway.beforeRefundAnswer = async (request) => {
      keys.push(request.idempotencyKey);
    };
    await ctx.get(OrderRefundService).refundByUser(fan.principal, orderId, [itemIds[0]]);
    expect(keys).toEqual([`refund-item-${itemIds[0]}`]);
    expect(await orderLedger(ctx, orderId)).toEqual([
      `PAYMENT:SUCCESS:${TOTAL}`,
      `REFUND:FAILED:${AMOUNTS[0]}:${itemIds[0]}`,
      `REFUND:SUCCESS:${AMOUNTS[0]}:${itemIds[0]}`,
    ]);
  });
});

describe('order money with the PG webhook (medium)', () => {
  let ctx: ModuleContext;
  const gateway = new TestGateway('pg-ready');
  beforeAll(async () => {
    ctx = await startModules([CheckoutModule, RefundModule], {
      gateway,
      env: { PAYMENT_PROVIDER: 'pg-ready', MAX_ACTIVE_HOLDS_PER_USER: '0' },
    });
  });
  afterAll(() => ctx.close());

  const deliver = (event: Omit<PgWebhookEventDto, 'providerEventId' | 'eventType'>) => {
    const raw = pgEventBody(event);
    return ctx.get(PgWebhookService).handle(JSON.parse(raw) as PgWebhookEventDto, Buffer.from(raw));
  };

  async function pendingOrder() {
    const fan = await ctx.newUser();
    const { optionId, seatIds } = await ctx.newShow({ seats: 3, price: 40_000 });
    const { orderId, itemIds } = await newOrder(ctx, fan, optionId, seatIds);
    gateway.charges = ['pending'];
    await ctx.get(ConfirmService).confirmOrder(fan.principal, orderId, {});
    return { fan, orderId, itemIds };
  }

  it('settles by orderId', async () => {
    const { orderId } = await pendingOrder();
    expect(await deliver({ status: 'APPROVED', orderId, amount: 120_000 })).toMatchObject({
      result: 'CONFIRMED',
    });
    expect(await orderStatus(ctx, orderId)).toBe('CONFIRMED');
  });

  it("settles by any item's reservationId; an item of another order is 404", async () => {
    const { orderId, itemIds } = await pendingOrder();
    const other = await pendingOrder();
    await expect(
      deliver({ status: 'APPROVED', orderId, reservationId: other.itemIds[0], amount: 120_000 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await deliver({ status: 'APPROVED', reservationId: itemIds[2], amount: 120_000 })).toMatchObject({
      result: 'CONFIRMED',
    });
    expect(await orderMoney(ctx, orderId)).toEqual({ net: 120_000, confirmed: 120_000 });
  });

  it('a late APPROVED after expiry refunds every item (AUTO_REFUNDED), and the money nets to zero', async () => {
    const { orderId, itemIds } = await pendingOrder();
    ctx.clock.advance(3600 * 1000);
    try {
      expect(await deliver({ status: 'APPROVED', orderId, amount: 120_000 })).toMatchObject({
        result: 'AUTO_REFUNDED',
      });
    } finally {
      ctx.clock.reset();
    }
    expect(await orderStatus(ctx, orderId)).toBe('EXPIRED');
    expect(await orderLedger(ctx, orderId)).toEqual([
      'PAYMENT:SUCCESS:120000',
      ...itemIds.map((id) => `REFUND:SUCCESS:40000:${id}`),
    ]);
    expect(await orderMoney(ctx, orderId)).toEqual({ net: 0, confirmed: 0 });
  });

  it('the reconciler and the stuck list work per order: a capture the process never applied, on an expired order, is refunded item by item', async () => {
    const { fan, orderId, itemIds } = await pendingOrder();
    // The state a process killed between the PG's capture and applying it leaves behind, a minute old.
    await ctx.dataSource.query(
      `UPDATE payment_transactions SET status = 'SUCCESS', updated_at = now() - interval '2 minutes'
        WHERE order_id = $1 AND type = 'PAYMENT'`,
      [orderId],
    );
    await ctx.dataSource.query(
      `UPDATE reservations SET hold_expires_at = now() - interval '1 minute' WHERE order_id = $1`,
      [orderId],
    );
    await ctx.get(HoldExpiryService).expire(itemIds);
    const stuck = await ctx.get(StuckPaymentsService).list();
    expect(stuck.filter((s) => s.orderId === orderId)).toEqual([
      expect.objectContaining({
        orderId,
        reservationId: null,
        userId: fan.id,
        reason: 'PAID_WITHOUT_TICKET',
      }),
    ]);

    await ctx.get(PaymentReconciler).runNow();
    await ctx.get(PaymentReconciler).runNow();
    expect(await orderLedger(ctx, orderId)).toEqual([
      'PAYMENT:SUCCESS:120000',
      ...itemIds.map((id) => `REFUND:SUCCESS:40000:${id}`),
    ]);
    expect((await ctx.get(StuckPaymentsService).list()).filter((s) => s.orderId === orderId)).toEqual([]);
  });

  it('FAILED keeps the order PAYING for a retry', async () => {
    const { orderId } = await pendingOrder();
    expect(await deliver({ status: 'FAILED', orderId, amount: 120_000 })).toMatchObject({
      result: 'PAYMENT_FAILED',
    });
    expect(await orderStatus(ctx, orderId)).toBe('PAYING');
  });
});
