import { CheckoutModule } from '../../src/modules/checkout/checkout.module';
import { PaymentReconciler } from '../../src/modules/checkout/reconcile/payment-reconciler.service';
import { StuckPaymentsService } from '../../src/modules/checkout/stuck/stuck-payments.service';
import { PgWebhookEventDto } from '../../src/modules/checkout/webhook/pg-webhook.dto';
import { PgWebhookService } from '../../src/modules/checkout/webhook/pg-webhook.service';
import { insertLedgerRow, reservationStatus, walletBalance } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
import { pgEventBody } from '../support/signed-webhook';

const PRICE = 30_000;
const INITIAL = 200_000;
const env = (provider: string) => ({
  PAYMENT_PROVIDER: provider,
  MAX_ACTIVE_HOLDS_PER_USER: '0',
  WALLET_INITIAL_BALANCE: String(INITIAL),
});

const rows = async (ctx: ModuleContext, id: number) =>
  (
    await ctx.dataSource.query(
      `SELECT type, status, payment_provider AS provider FROM payment_transactions
        WHERE reservation_id = $1 ORDER BY id`,
      [id],
    )
  ).map((r: { type: string; status: string; provider: string }) => `${r.type}:${r.status}:${r.provider}`);

/** Calls the webhook service as its controller does once the signature is checked. */
function deliver(ctx: ModuleContext, event: Omit<PgWebhookEventDto, 'providerEventId' | 'eventType'>) {
  const raw = pgEventBody(event);
  return ctx.get(PgWebhookService).handle(JSON.parse(raw) as PgWebhookEventDto, Buffer.from(raw));
}

/** A full reconciler pass that starts after the caller's writes (the first may join one in progress). */
async function reconcile(ctx: ModuleContext) {
  await ctx.get(PaymentReconciler).runNow();
  await ctx.get(PaymentReconciler).runNow();
}

/**
 * PAYMENT_PROVIDER changed while attempts of the previous provider are still open (docs/operations.md,
 * "Runbook: releases and rollback"): one boot with the first provider, then another on the same database
 * with the second. Nothing open is lost: the webhook still settles it, a late capture is refunded through
 * the provider that took it (never into a wallet), an unrecorded attempt is still asked about, and the
 * stuck-payment list shows every open one.
 */
describe('switching PAYMENT_PROVIDER with attempts of the previous one open', () => {
  let ctx: ModuleContext | undefined;
  afterEach(async () => {
    await ctx?.close();
    ctx = undefined;
  });

  it('pg-ready → wallet: the webhook settles, a late APPROVED is refunded by pg-ready, the list shows them', async () => {
    ctx = await startModules([CheckoutModule], { env: env('pg-ready') });
    const { seatIds } = await ctx.newShow({ seats: 3, price: PRICE });
    const fan: Fan = await ctx.newUser();
    const ids: number[] = [];
    for (const seatId of seatIds) {
      const id = await ctx.toPaying(fan, seatId);
      expect((await ctx.confirm(fan, id)).paymentStatus).toBe('PENDING');
      ids.push(id);
    }
    await ctx.close();

    ctx = await startModules([CheckoutModule], { env: env('wallet'), reset: false });
    const [paid, tooLate, failed] = ids;
    await ctx.dataSource.query(
      `UPDATE reservations SET hold_expires_at = now() - interval '1 second' WHERE id = ANY($1)`,
      [[tooLate, failed]],
    );
    const stuck = await ctx.get(StuckPaymentsService).list();
    expect(stuck.map((s) => [s.reservationId, s.paymentProvider, s.reason])).toEqual([
      [tooLate, 'pg-ready', 'PENDING_AFTER_HOLD_ENDED'],
      [failed, 'pg-ready', 'PENDING_AFTER_HOLD_ENDED'],
    ]);

    expect((await deliver(ctx, { status: 'APPROVED', reservationId: paid, amount: PRICE })).result).toBe(
      'CONFIRMED',
    );
    expect(await reservationStatus(ctx, paid)).toBe('CONFIRMED');
    expect((await deliver(ctx, { status: 'APPROVED', reservationId: tooLate, amount: PRICE })).result).toBe(
      'AUTO_REFUNDED',
    );
    expect(await rows(ctx, tooLate)).toEqual(['PAYMENT:SUCCESS:pg-ready', 'REFUND:SUCCESS:pg-ready']);
    expect((await deliver(ctx, { status: 'FAILED', reservationId: failed, amount: PRICE })).result).toBe(
      'PAYMENT_FAILED',
    );
    expect(await rows(ctx, failed)).toEqual(['PAYMENT:FAILED:pg-ready']);
    // The card capture went back to the card: the fan's wallet was never touched.
    expect(await walletBalance(ctx, fan.id)).toBe(INITIAL);
    expect(await ctx.get(StuckPaymentsService).list()).toEqual([]);
  });

  it('mock → pg-ready: an unrecorded mock attempt is still asked about, a mock capture refunded by mock', async () => {
    ctx = await startModules([CheckoutModule], { env: env('mock') });
    const { seatIds } = await ctx.newShow({ seats: 2, price: PRICE });
    const fan = await ctx.newUser();
    // What a mock-provider process killed mid-charge leaves: a PENDING attempt with no answer recorded,
    // and a capture whose reservation expired before the ticket was written.
    const open = await ctx.toPaying(fan, seatIds[0]);
    await insertLedgerRow(ctx, {
      userId: fan.id,
      reservationId: open,
      type: 'PAYMENT',
      status: 'PENDING',
      amount: PRICE,
      provider: 'mock',
    });
    const captured = await ctx.toPaying(fan, seatIds[1]);
    await insertLedgerRow(ctx, {
      userId: fan.id,
      reservationId: captured,
      type: 'PAYMENT',
      status: 'SUCCESS',
      amount: PRICE,
      provider: 'mock',
    });
    await ctx.dataSource.query(
      `UPDATE reservations SET status = 'EXPIRED', expired_at = now(), hold_expires_at = now() - interval '1 minute'
        WHERE id = ANY($1)`,
      [[open, captured]],
    );
    await ctx.dataSource.query(`UPDATE seats SET status = 'AVAILABLE' WHERE id = ANY($1)`, [seatIds]);
    await ctx.close();

    ctx = await startModules([CheckoutModule], { env: env('pg-ready'), reset: false });
    const stuck = await ctx.get(StuckPaymentsService).list();
    expect(stuck.map((s) => [s.reservationId, s.paymentProvider, s.reason])).toEqual([
      [open, 'mock', 'PENDING_AFTER_HOLD_ENDED'],
      [captured, 'mock', 'PAID_WITHOUT_TICKET'],
    ]);
    await reconcile(ctx);
    expect(await rows(ctx, open)).toEqual(['PAYMENT:FAILED:mock']);
    expect(await rows(ctx, captured)).toEqual(['PAYMENT:SUCCESS:mock', 'REFUND:SUCCESS:mock']);
    const [{ reason }] = await ctx.dataSource.query(
      `SELECT failure_reason AS reason FROM payment_transactions WHERE reservation_id = $1`,
      [open],
    );
    expect(reason).toMatch(/^ABANDONED/);
    expect(await ctx.get(StuckPaymentsService).list()).toEqual([]);
  });
});
