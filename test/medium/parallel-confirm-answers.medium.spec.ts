import { DomainError } from '../../src/common/errors/domain-error';
import { ERROR_STATUS } from '../../src/common/errors/error-codes';
import { RefundModule } from '../../src/modules/refund/refund.module';
import { RefundService } from '../../src/modules/refund/refund.service';
import { ReservationQueryService } from '../../src/modules/reservation/reservation-query.service';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import type { ReservationView } from '../../src/modules/reservation/reservation-view.repository';
import { ledger, netPaid, walletBalance } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';

/**
 * The (status, paymentStatus, paymentAction) combinations the contract's state table allows in a
 * `Reservation` answer. Payment fields describe the latest attempt: none before the first confirm; SUCCESS
 * only on a paid ticket (CONFIRMED, REFUNDED) or on a hold that ended before a late approval was refunded.
 */
const ALLOWED: Record<string, string[]> = {
  HOLD: ['null/null'],
  PAYING: ['null/null', 'PENDING/WAIT_WEBHOOK', 'PENDING/REDIRECT', 'FAILED/RETRY_CONFIRM'],
  CONFIRMED: ['SUCCESS/NONE'],
  REFUNDED: ['SUCCESS/NONE'],
  EXPIRED: ['null/null', 'PENDING/WAIT_WEBHOOK', 'PENDING/REDIRECT', 'FAILED/RETRY_CONFIRM', 'SUCCESS/NONE'],
  CANCELLED: [
    'null/null',
    'PENDING/WAIT_WEBHOOK',
    'PENDING/REDIRECT',
    'FAILED/RETRY_CONFIRM',
    'SUCCESS/NONE',
  ],
};
const answerOf = (v: ReservationView) => `${v.status} ${v.paymentStatus}/${v.paymentAction}`;
const allowed = (v: ReservationView) => ALLOWED[v.status].includes(`${v.paymentStatus}/${v.paymentAction}`);

/** A 409 the table answers (a refusal, not a state to check) becomes undefined; anything else fails. */
const unlessRefused = <T>(call: Promise<T>) =>
  call.catch((err: unknown) => {
    if (!(err instanceof DomainError) || ERROR_STATUS[err.code] !== 409) throw err;
    return undefined;
  });

const ROUNDS = 20;
const CONFIRMS = 6;
const PRICE = 1000;

/**
 * Parallel lifecycle calls on one reservation each answer one state of the table, never a reservation
 * status from before the payment with the payment's outcome (PAYING with SUCCESS), and one debit is made.
 * Each round: one reservation in PAYING, then 6 confirms, a paying and a GET all at once.
 */
describe.each(['wallet', 'mock'])('parallel confirms with the %s provider', (provider) => {
  let t: ModuleContext;
  let fan: Fan;

  beforeAll(async () => {
    t = await startModules([RefundModule], { env: { PAYMENT_PROVIDER: provider } });
    fan = await t.newUser();
  });
  afterAll(() => t.close());

  it(`answer only states the table allows, ${ROUNDS} rounds of ${CONFIRMS} confirms`, async () => {
    const { seatIds } = await t.newShow({ seats: ROUNDS, price: PRICE });
    const startBalance = await walletBalance(t, fan.id);
    const mixed: string[] = [];
    let answers = 0;
    for (const seatId of seatIds) {
      const id = await t.toPaying(fan, seatId);
      const views = await Promise.all([
        ...Array.from({ length: CONFIRMS }, () => t.confirm(fan, id)),
        // Paying on a ticket already CONFIRMED is a 409 by the table.
        unlessRefused(t.get(ReservationTransitions).paying(fan.principal, id)),
        t.get(ReservationQueryService).get(fan.principal, id),
      ]);
      const answered = views.filter((v) => v !== undefined);
      answers += answered.length;
      mixed.push(...answered.filter((v) => !allowed(v)).map((v) => `#${id} ${answerOf(v)}`));
      expect(await ledger(t, id)).toEqual([{ type: 'PAYMENT', status: 'SUCCESS', amount: PRICE }]);
      expect(answerOf((await t.get(ReservationQueryService).get(fan.principal, id))!)).toBe(
        'CONFIRMED SUCCESS/NONE',
      );
    }
    expect(answers).toBeGreaterThanOrEqual(ROUNDS * (CONFIRMS + 1));
    console.log(`${provider}, confirms alone: ${mixed.length} of ${answers} answers mixed`);
    expect({ answers, mixed: mixed.length, examples: mixed.slice(0, 3) }).toEqual({
      answers,
      mixed: 0,
      examples: [],
    });
    // One debit per reservation, and nothing else: the wallet moved by exactly the tickets bought.
    if (provider === 'wallet') expect(await walletBalance(t, fan.id)).toBe(startBalance - ROUNDS * PRICE);
  }, 60_000);

  it(`answer only states the table allows with a cancel and a refund racing ${CONFIRMS} confirms`, async () => {
    const { seatIds } = await t.newShow({ seats: ROUNDS, price: PRICE });
    const startBalance = await walletBalance(t, fan.id);
    const refunds = t.get(RefundService);
    const mixed: string[] = [];
    let answers = 0;
    for (const seatId of seatIds) {
      const id = await t.toPaying(fan, seatId);
      const views = await Promise.all([
        // A confirm that comes after the cancel is refused by the table (409), as is the refund of an
        // unpaid reservation; a cancel after the confirm refunds the ticket (REFUNDED).
        ...Array.from({ length: CONFIRMS }, () => unlessRefused(t.confirm(fan, id))),
        unlessRefused(refunds.cancel(fan.principal, id)),
        unlessRefused(refunds.refundByUser(fan.principal, id)),
      ]);
      const answered = views.filter((v) => v !== undefined);
      answers += answered.length;
      mixed.push(...answered.filter((v) => !allowed(v)).map((v) => `#${id} ${answerOf(v)}`));
      // Cancelled before or after it was paid, the fan keeps no ticket and no money moved in the end.
      expect(await netPaid(t, id)).toBe(0);
      const payments = (await ledger(t, id)).filter((r) => r.type === 'PAYMENT' && r.status === 'SUCCESS');
      expect(payments.length).toBeLessThanOrEqual(1);
    }
    console.log(`${provider}, with cancel and refund: ${mixed.length} of ${answers} answers mixed`);
    expect({ answers, mixed: mixed.length, examples: mixed.slice(0, 3) }).toEqual({
      answers,
      mixed: 0,
      examples: [],
    });
    if (provider === 'wallet') expect(await walletBalance(t, fan.id)).toBe(startBalance);
  }, 60_000);
});
