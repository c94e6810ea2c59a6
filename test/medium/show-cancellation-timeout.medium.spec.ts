import { CancellationModule } from '../../src/modules/cancellation/cancellation.module';
import { CancellationService } from '../../src/modules/cancellation/cancellation.service';
import {
  PaymentGatewayError,
  RefundRequest,
  RefundResult,
} from '../../src/modules/payment/gateway/payment-gateway.port';
import { moneyAndSeatProblems } from '../../support/invariants';
import { ModuleContext, startModules } from '../support/module-harness';
import { TestGateway } from '../support/test-gateway';
import { until } from '../support/wait';

/**
 * A gateway that takes a refund and then times out (the answer is lost): it keeps the refunds it made by
 * idempotency key, as Stripe does, and answers a repeat of a key with the refund it already made.
 */
class TimesOutAfterTaking extends TestGateway {
  /** idempotency key → the item whose money moved under it. */
  readonly taken = new Map<string, number>();
  timeouts = 0;

  override async refund(request: RefundRequest): Promise<RefundResult> {
    this.refundCalls++;
    if (!this.taken.has(request.idempotencyKey))
      this.taken.set(request.idempotencyKey, request.reservationId);
    if (this.timeouts > 0) {
      this.timeouts--;
      throw new PaymentGatewayError('timed out (the refund was taken)');
    }
    return { status: 'SUCCESS', providerTransactionId: `taken_${request.idempotencyKey}` };
  }

  /** How many times money left for each item. */
  movedPerItem(): Map<number, number> {
    const moved = new Map<number, number>();
    for (const item of this.taken.values()) moved.set(item, (moved.get(item) ?? 0) + 1);
    return moved;
  }
}

/**
 * Exactly once when the gateway times out after taking the refund: the row is FAILED (nothing recorded as
 * moved), the retry asks again with the same item-derived key, and the gateway moves each item's money once.
 */
describe('show cancellation against a gateway that times out after taking the refund', () => {
  const gateway = new TimesOutAfterTaking();
  let t: ModuleContext;

  beforeAll(async () => {
    t = await startModules([CancellationModule], { env: { MAX_ACTIVE_HOLDS_PER_USER: '0' }, gateway });
  });
  afterAll(() => t.close());

  it('retrying the timed-out rows moves each item’s money once', async () => {
    const admin = await t.newUser('ADMIN');
    const fan = await t.newUser();
    const show = await t.newShow({ seats: 3, price: 20_000 });
    const tickets: number[] = [];
    for (const seatId of show.seatIds) tickets.push(await t.confirmedTicket(fan, seatId));
    const cancellations = t.get(CancellationService);
    const ended = async (runId: number) => {
      await until(
        async () => (await cancellations.run(runId)).status !== 'RUNNING',
        20_000,
        'the run to end',
      );
      return cancellations.run(runId);
    };

    gateway.timeouts = 3;
    const answer = await cancellations.cancel(admin.principal, show.optionId, 'Storm', false);
    if (!('run' in answer)) throw new Error('expected a run');
    expect(await ended(answer.run.id)).toMatchObject({ status: 'DONE_WITH_FAILURES', totals: { failed: 3 } });
    expect(gateway.movedPerItem().size).toBe(3); // the gateway did take all three

    await cancellations.retry(answer.run.id);
    expect(await ended(answer.run.id)).toMatchObject({ status: 'DONE', totals: { refunded: 3 } });
    expect(gateway.refundCalls).toBe(6);
    expect([...gateway.movedPerItem().values()]).toEqual([1, 1, 1]);
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });
});
