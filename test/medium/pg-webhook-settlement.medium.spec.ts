import { CheckoutModule } from '../../src/modules/checkout/checkout.module';
import { StuckPaymentsService } from '../../src/modules/checkout/stuck/stuck-payments.service';
import { PgWebhookEventDto } from '../../src/modules/checkout/webhook/pg-webhook.dto';
import { PgWebhookService } from '../../src/modules/checkout/webhook/pg-webhook.service';
import { LedgerRepository } from '../../src/modules/payment/ledger/ledger.repository';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import { ledger, netPaid } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
import { pgEventBody } from '../support/signed-webhook';
import { TestGateway } from '../support/test-gateway';

/**
 * The webhook service (the checkout module alone) against real PostgreSQL, with a scripted gateway:
 * terminal ledger states under parallel events, and the webhook racing confirm's own settlement step.
 */
describe('PG webhook settlement (medium)', () => {
  const gateway = new TestGateway('pg-ready');
  let ctx: ModuleContext;
  let fan: Fan;
  let seatIds: number[];
  let nextSeat = 0;

  beforeAll(async () => {
    ctx = await startModules([CheckoutModule], { env: { MAX_ACTIVE_HOLDS_PER_USER: '0' }, gateway });
    fan = await ctx.newUser();
    seatIds = (await ctx.newShow({ seats: 20, price: 30000 })).seatIds;
  });
  afterAll(() => ctx.close());
  beforeEach(() => gateway.reset());

  async function pendingAttempt() {
    gateway.charges = ['pending'];
    const id = await ctx.toPaying(fan, seatIds[nextSeat++]);
    const view = await ctx.confirm(fan, id);
    expect(view.paymentStatus).toBe('PENDING');
    return { id, amount: view.amount, attemptId: view.paymentTransactionId! };
  }

  /** Calls the service as the controller does after the signature check and validation. */
  function deliver(event: Omit<PgWebhookEventDto, 'providerEventId' | 'eventType'>) {
    const raw = pgEventBody(event);
    return ctx.get(PgWebhookService).handle(JSON.parse(raw) as PgWebhookEventDto, Buffer.from(raw));
  }

  it('20 parallel APPROVED/FAILED events for one attempt: exactly one is applied', async () => {
    const p = await pendingAttempt();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        deliver({ status: i % 2 ? 'FAILED' : 'APPROVED', reservationId: p.id, amount: p.amount }),
      ),
    );
    const applied = answers.filter((a) => a.result !== 'IGNORED_TERMINAL');
    expect(applied).toHaveLength(1);
    const stored: { result: string }[] = await ctx.dataSource.query(
      `SELECT result FROM webhook_inbox WHERE raw_body LIKE $1`,
      [`%"reservationId":${p.id},%`],
    );
    expect(stored).toHaveLength(20);
    expect(stored.filter((s) => s.result === 'IGNORED_TERMINAL')).toHaveLength(19);
    const rows = await ledger(ctx, p.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe(applied[0].result === 'CONFIRMED' ? 'SUCCESS' : 'FAILED');
  });

  it('the ledger update is conditional: settling a settled row changes nothing and says so', async () => {
    const p = await pendingAttempt();
    await deliver({ status: 'FAILED', reservationId: p.id, amount: p.amount });
    const repo = ctx.get(LedgerRepository);
    const again = await ctx.dataSource.transaction((em) =>
      repo.settle(em, p.attemptId, { status: 'SUCCESS' }),
    );
    expect(again).toBeUndefined();
    expect((await ledger(ctx, p.id))[0].status).toBe('FAILED');
  });

  it('a webhook that settles the attempt while confirm waits on the gateway wins, and nothing is refunded', async () => {
    gateway.charges = ['pending'];
    const id = await ctx.toPaying(fan, seatIds[nextSeat++]);
    gateway.duringCharge = async (request) => {
      const answer = await deliver({ status: 'APPROVED', reservationId: id, amount: request.amount });
      expect(answer.result).toBe('CONFIRMED');
    };
    const confirmed = await ctx.confirm(fan, id);
    expect(confirmed).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'SUCCESS' });
    expect(await ledger(ctx, id)).toEqual([{ type: 'PAYMENT', status: 'SUCCESS', amount: confirmed.amount }]);
    expect(gateway.refundCalls).toBe(0);
    expect(await netPaid(ctx, id)).toBe(confirmed.amount);
  });

  it('a late approval whose automatic refund fails is still accepted and shows up for an operator', async () => {
    const p = await pendingAttempt();
    await ctx.get(ReservationTransitions).cancelUnpaid(fan.principal, p.id);
    gateway.refundBehaviour = 'unreachable';
    const answer = await deliver({ status: 'APPROVED', reservationId: p.id, amount: p.amount });
    expect(answer).toEqual({ accepted: true, duplicate: false, result: 'AUTO_REFUNDED' });
    const stuck = await ctx.get(StuckPaymentsService).list();
    expect(stuck.find((r) => r.reservationId === p.id)).toMatchObject({
      paymentStatus: 'SUCCESS',
      reservationStatus: 'CANCELLED',
      reason: 'PAID_WITHOUT_TICKET',
    });
  });
});
