import { CheckoutModule } from '../../src/modules/checkout/checkout.module';
import { PaymentReconciler } from '../../src/modules/checkout/reconcile/payment-reconciler.service';
import { ExpirySweeper } from '../../src/modules/reservation/expiry/expiry-sweeper';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import {
  insertLedgerRow,
  ledger,
  netPaid,
  reservationStatus,
  seatStatus,
  walletBalance,
  walletChargeCommitted,
} from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';

const INITIAL = 200_000;
const PRICE = 30_000;
const WALLET = { PAYMENT_PROVIDER: 'wallet', MAX_ACTIVE_HOLDS_PER_USER: '0' };

const steps = async (ctx: ModuleContext, id: number) =>
  (await ledger(ctx, id)).map((r) => `${r.type}:${r.status}`);
const failureReasons = async (ctx: ModuleContext, id: number): Promise<(string | null)[]> =>
  (
    await ctx.dataSource.query(
      `SELECT failure_reason AS f FROM payment_transactions WHERE reservation_id = $1`,
      [id],
    )
  ).map((r: { f: string | null }) => r.f);

/**
 * One complete reconciler pass that starts after the caller's writes: the first joins a pass the schedule
 * may already be running (which could have read the tables before), the second is fresh.
 */
async function reconcile(ctx: ModuleContext): Promise<void> {
  await ctx.get(PaymentReconciler).runNow();
  await ctx.get(PaymentReconciler).runNow();
}

/**
 * Crash recovery with the wallet provider (the checkout module alone): each case writes, in SQL, the state
 * a process killed at that point leaves behind, then lets the reconciler resolve it.
 */
describe('payment reconciler after a crash (wallet)', () => {
  let ctx: ModuleContext;
  let seatIds: number[];
  let seat = 0;

  beforeAll(async () => {
    ctx = await startModules([CheckoutModule], { env: WALLET });
    seatIds = (await ctx.newShow({ seats: 20, price: PRICE })).seatIds;
  });
  afterAll(() => ctx?.close());

  async function paying(): Promise<{ fan: Fan; id: number; seatId: number }> {
    const fan = await ctx.newUser();
    const seatId = seatIds[seat++];
    return { fan, id: await ctx.toPaying(fan, seatId), seatId };
  }

  it('(a) a PENDING attempt with no debit becomes FAILED ABANDONED; a fresh one is left alone', async () => {
    const { fan, id } = await paying();
    const row = {
      userId: fan.id,
      reservationId: id,
      type: 'PAYMENT',
      status: 'PENDING',
      amount: PRICE,
    } as const;
    await insertLedgerRow(ctx, { ...row, provider: 'wallet' });
    const fresh = await paying();
    // A confirm still in flight: inside the grace period.
    await insertLedgerRow(ctx, {
      ...row,
      userId: fresh.fan.id,
      reservationId: fresh.id,
      provider: 'wallet',
      ageSeconds: 5,
    });

    await reconcile(ctx);

    expect(await steps(ctx, id)).toEqual(['PAYMENT:FAILED']);
    expect((await failureReasons(ctx, id))[0]).toMatch(/^ABANDONED/);
    expect(await walletBalance(ctx, fan.id)).toBe(INITIAL);
    expect(await steps(ctx, fresh.id)).toEqual(['PAYMENT:PENDING']);
    // The customer can pay again: one new attempt, one debit.
    expect((await ctx.confirm(fan, id)).status).toBe('CONFIRMED');
    expect(await walletBalance(ctx, fan.id)).toBe(INITIAL - PRICE);
    expect(await netPaid(ctx, id)).toBe(PRICE);
  });

  it('(b) debited but the reservation never moved, hold still live: confirmed, not charged again', async () => {
    const { fan, id, seatId } = await paying();
    await walletChargeCommitted(ctx, fan.id, id, PRICE);

    await reconcile(ctx);

    expect(await reservationStatus(ctx, id)).toBe('CONFIRMED');
    expect(await seatStatus(ctx, seatId)).toBe('RESERVED');
    expect(await steps(ctx, id)).toEqual(['PAYMENT:SUCCESS']);
    expect(await walletBalance(ctx, fan.id)).toBe(INITIAL - PRICE);
  });

  it('(b) debited, then the hold expired through the sweeper: the expiry never keeps the money', async () => {
    const { fan, id, seatId } = await paying();
    await walletChargeCommitted(ctx, fan.id, id, PRICE);
    await ctx.dataSource.query(
      `UPDATE reservations SET hold_expires_at = now() - interval '10 seconds' WHERE id = $1`,
      [id],
    );
    await ctx.get(ExpirySweeper).sweepOnce();
    expect(await reservationStatus(ctx, id)).toBe('EXPIRED');

    await reconcile(ctx);

    expect(await steps(ctx, id)).toEqual(['PAYMENT:SUCCESS', 'REFUND:SUCCESS']);
    expect(await netPaid(ctx, id)).toBe(0);
    expect(await walletBalance(ctx, fan.id)).toBe(INITIAL);
    expect(await reservationStatus(ctx, id)).toBe('EXPIRED');
    expect(await seatStatus(ctx, seatId)).toBe('AVAILABLE');
  });

  it('(b) debited on a reservation cancelled meanwhile (compensation died): refunded once', async () => {
    const { fan, id } = await paying();
    await walletChargeCommitted(ctx, fan.id, id, PRICE);
    await ctx.get(ReservationTransitions).cancelUnpaid(fan.principal, id);

    await reconcile(ctx);
    await reconcile(ctx); // a second pass finds nothing left to do

    expect(await steps(ctx, id)).toEqual(['PAYMENT:SUCCESS', 'REFUND:SUCCESS']);
    expect(await walletBalance(ctx, fan.id)).toBe(INITIAL);
  });

  it('(c) a user refund that died after recording its PENDING row: finished, ticket REFUNDED', async () => {
    const { fan, id, seatId } = await paying();
    await ctx.confirm(fan, id);
    await insertLedgerRow(ctx, {
      userId: fan.id,
      reservationId: id,
      type: 'REFUND',
      status: 'PENDING',
      amount: PRICE,
      provider: 'wallet',
    });

    await reconcile(ctx);

    expect(await steps(ctx, id)).toEqual(['PAYMENT:SUCCESS', 'REFUND:SUCCESS']);
    expect(await reservationStatus(ctx, id)).toBe('REFUNDED');
    expect(await seatStatus(ctx, seatId)).toBe('AVAILABLE');
    expect(await walletBalance(ctx, fan.id)).toBe(INITIAL);
  });

  it('a restarted instance resolves what it finds at start-up; two instances never refund twice', async () => {
    const cases = await Promise.all([paying(), paying(), paying()]);
    for (const c of cases) await walletChargeCommitted(ctx, c.fan.id, c.id, PRICE);
    // All three holds are over: each capture must be refunded exactly once.
    await ctx.dataSource.query(
      `UPDATE reservations SET hold_expires_at = now() - interval '10 seconds' WHERE id = ANY($1)`,
      [cases.map((c) => c.id)],
    );
    await ctx.close();
    const [a, b] = await Promise.all([
      startModules([CheckoutModule], { env: WALLET, reset: false }),
      startModules([CheckoutModule], { env: WALLET, reset: false }),
    ]);
    ctx = a;
    try {
      await Promise.all([reconcile(a), reconcile(b)]);
    } finally {
      await b.close();
    }
    for (const c of cases) {
      expect(await steps(ctx, c.id)).toEqual(['PAYMENT:SUCCESS', 'REFUND:SUCCESS']);
      expect(await reservationStatus(ctx, c.id)).toBe('EXPIRED');
      expect(await walletBalance(ctx, c.fan.id)).toBe(INITIAL);
    }
  });
});

describe('payment reconciler with card providers', () => {
  let ctx: ModuleContext;

  afterEach(() => ctx?.close());

  async function pendingCardAttempt(provider: string) {
    const { seatIds } = await ctx.newShow({ seats: 1, price: PRICE });
    const fan = await ctx.newUser();
    const id = await ctx.toPaying(fan, seatIds[0]);
    await insertLedgerRow(ctx, {
      userId: fan.id,
      reservationId: id,
      type: 'PAYMENT',
      status: 'PENDING',
      amount: PRICE,
      provider,
    });
    return id;
  }

  it('mock: it keeps no record, so an unrecorded attempt counts as never captured (FAILED)', async () => {
    ctx = await startModules([CheckoutModule], { env: { PAYMENT_PROVIDER: 'mock' } });
    const id = await pendingCardAttempt('mock');
    await reconcile(ctx);
    expect(await steps(ctx, id)).toEqual(['PAYMENT:FAILED']);
    expect((await failureReasons(ctx, id))[0]).toMatch(/^ABANDONED/);
    expect(await reservationStatus(ctx, id)).toBe('PAYING');

    // An attempt the gateway answered PENDING (answer recorded) waits for its webhook, however old.
    const waiting = await pendingCardAttempt('mock');
    await ctx.dataSource.query(
      `UPDATE payment_transactions SET provider_transaction_id = 'mock_answered_pending' WHERE reservation_id = $1`,
      [waiting],
    );
    await reconcile(ctx);
    expect(await steps(ctx, waiting)).toEqual(['PAYMENT:PENDING']);
  });

  it('pg-ready: it cannot be asked, so the attempt stays PENDING for the webhook', async () => {
    ctx = await startModules([CheckoutModule], { env: { PAYMENT_PROVIDER: 'pg-ready' } });
    const id = await pendingCardAttempt('pg-ready');
    await reconcile(ctx);
    expect(await steps(ctx, id)).toEqual(['PAYMENT:PENDING']);
  });
});
