import { CheckoutModule } from '../../src/modules/checkout/checkout.module';
import { PaymentAttempts } from '../../src/modules/checkout/payment-attempts.service';
import { CheckoutStepRunner } from '../../src/modules/checkout/steps/checkout-step-runner';
import { GatewayCalls } from '../../src/modules/checkout/steps/gateway-calls';
import type { LedgerRow } from '../../src/modules/payment/ledger/ledger.repository';
import { ledger, reservationStatus, walletBalance } from '../support/fixtures';
import { ModuleContext, startModules } from '../support/module-harness';

const PRICE = 40_000;
const INITIAL = 100_000;

/**
 * The checkout step runner's own guarantees, beyond what the confirm, refund, webhook and reconciler specs
 * show through it: the outcome is recorded only on a row still PENDING, and the provider's share (the
 * wallet's debit) happens exactly when it is, in the same transaction.
 */
describe('checkout step runner (medium)', () => {
  let ctx: ModuleContext;
  beforeAll(async () => {
    ctx = await startModules([CheckoutModule], {
      env: {
        PAYMENT_PROVIDER: 'wallet',
        WALLET_INITIAL_BALANCE: String(INITIAL),
        MAX_ACTIVE_HOLDS_PER_USER: '0',
      },
    });
  });
  afterAll(() => ctx.close());

  /** A PAYING reservation with a committed PENDING attempt, as step 1 leaves it. */
  async function begunAttempt() {
    const { seatIds } = await ctx.newShow({ seats: 1, price: PRICE });
    const fan = await ctx.newUser();
    const id = await ctx.toPaying(fan, seatIds[0]);
    const runner = ctx.get(CheckoutStepRunner);
    const attempt = await runner.locked({ reservationId: id }, (locked) =>
      ctx.get(PaymentAttempts).start(locked, 'WALLET'),
    );
    return { fan, id, attempt, runner };
  }

  it('records an outcome once: the wallet is debited by the first record only, the second says it lost', async () => {
    const { fan, id, attempt, runner } = await begunAttempt();
    const answer = await ctx.get(GatewayCalls).charge(attempt);
    const first = await runner.locked({ reservationId: id }, (locked) =>
      runner.record(locked, attempt, answer),
    );
    const second = await runner.locked({ reservationId: id }, (locked) =>
      runner.record(locked, attempt, answer),
    );

    expect(first).toMatchObject({
      settledNow: true,
      row: { status: 'SUCCESS', balanceAfterAmount: INITIAL - PRICE },
    });
    expect(second).toMatchObject({ settledNow: false, row: { id: attempt.id, status: 'SUCCESS' } });
    expect(await walletBalance(ctx, fan.id)).toBe(INITIAL - PRICE);
  });

  it('an intent settled FAILED elsewhere (the reconciler) keeps its outcome, and no money moves', async () => {
    const { fan, id, attempt, runner } = await begunAttempt();
    await runner.locked({ reservationId: id }, (locked) =>
      runner.record(locked, attempt, { status: 'FAILED', failureReason: 'ABANDONED (test)' }),
    );
    const answer = await ctx.get(GatewayCalls).charge(attempt); // the slow confirm's gateway call returns now
    const late = await runner.locked({ reservationId: id }, (locked) =>
      runner.record(locked, attempt, answer),
    );

    expect(late).toMatchObject({
      settledNow: false,
      row: { status: 'FAILED', failureReason: 'ABANDONED (test)' },
    });
    expect(await walletBalance(ctx, fan.id)).toBe(INITIAL);
  });

  it('a step that throws in its last transaction rolls the recorded outcome and the debit back together', async () => {
    const { fan, id, attempt, runner } = await begunAttempt();
    await expect(
      runner.resume(
        {
          target: { reservationId: id },
          begin: () => Promise.reject(new Error('unused')),
          call: (a: LedgerRow) => ctx.get(GatewayCalls).charge(a),
          finish: () => Promise.reject(new Error('boom after recording')),
        },
        [attempt],
      ),
    ).rejects.toThrow('boom after recording');

    expect((await ledger(ctx, id)).map((r) => r.status)).toEqual(['PENDING']);
    expect(await walletBalance(ctx, fan.id)).toBe(INITIAL);
    expect(await reservationStatus(ctx, id)).toBe('PAYING');
  });
});
