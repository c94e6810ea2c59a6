import { LedgerRepository } from '../../src/modules/payment/ledger/ledger.repository';
import { PgWebhookEventDto } from '../../src/modules/checkout/webhook/pg-webhook.dto';
import { PgWebhookService } from '../../src/modules/checkout/webhook/pg-webhook.service';
import { checkout, ledger, netPaid } from '../support/checkout';
import { bearer, createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { ScriptedGateway } from '../support/scripted-gateway';
import { pgEventBody, sendPgEvent } from '../support/signed-webhook';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The webhook service against real PostgreSQL, with a scripted gateway: terminal ledger states under
 * parallel events, and the webhook racing confirm's own settlement step.
 */
describe('PG webhook settlement (medium)', () => {
  const gateway = new ScriptedGateway();
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;
  let option: TestOption;
  let nextSeat = 0;

  beforeAll(async () => {
    t = await startTestApp({ MAX_ACTIVE_HOLDS_PER_USER: '0' }, { paymentGateway: gateway });
    admin = await createAdmin(t);
    user = await createUser(t);
    option = await createOption(t, admin, { seatCount: 20, price: 30000 });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    gateway.charges = [];
    gateway.refunds = [];
    gateway.duringCharge = undefined;
  });

  async function pendingAttempt() {
    gateway.charges = ['pending'];
    const c = checkout(t, user);
    const id = await c.toPaying(option.seatIds[nextSeat++]);
    const res = await c.confirm(id).expect(200);
    expect(res.body.paymentStatus).toBe('PENDING');
    return { id, amount: res.body.amount as number, attemptId: res.body.paymentTransactionId as number };
  }

  /** Calls the service as the controller does after the signature check and validation. */
  function deliver(event: Omit<PgWebhookEventDto, 'providerEventId' | 'eventType'>) {
    const raw = pgEventBody(event);
    return t.app.get(PgWebhookService).handle(JSON.parse(raw) as PgWebhookEventDto, Buffer.from(raw));
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
    const stored: { result: string }[] = await t.dataSource.query(
      `SELECT result FROM webhook_inbox WHERE raw_body LIKE $1`,
      [`%"reservationId":${p.id},%`],
    );
    expect(stored).toHaveLength(20);
    expect(stored.filter((s) => s.result === 'IGNORED_TERMINAL')).toHaveLength(19);
    const rows = await ledger(t, p.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe(applied[0].result === 'CONFIRMED' ? 'SUCCESS' : 'FAILED');
  });

  it('the ledger update is conditional: settling a settled row changes nothing and says so', async () => {
    const p = await pendingAttempt();
    await deliver({ status: 'FAILED', reservationId: p.id, amount: p.amount });
    const repo = t.app.get(LedgerRepository, { strict: false });
    const again = await t.dataSource.transaction((em) => repo.settle(em, p.attemptId, { status: 'SUCCESS' }));
    expect(again).toBeUndefined();
    expect((await ledger(t, p.id))[0].status).toBe('FAILED');
  });

  it('a webhook that settles the attempt while confirm waits on the gateway wins, and nothing is refunded', async () => {
    gateway.charges = ['pending'];
    const c = checkout(t, user);
    const id = await c.toPaying(option.seatIds[nextSeat++]);
    gateway.duringCharge = async (request) => {
      const res = await sendPgEvent(t, { status: 'APPROVED', reservationId: id, amount: request.amount });
      expect(res.body.result).toBe('CONFIRMED');
    };
    const confirmed = await c.confirm(id).expect(200);
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'SUCCESS' });
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: confirmed.body.amount },
    ]);
    expect(gateway.refundCalls).toBe(0);
    expect(await netPaid(t, id)).toBe(confirmed.body.amount);
  });

  it('a late approval whose automatic refund fails is still accepted and shows up for an operator', async () => {
    const p = await pendingAttempt();
    await checkout(t, user).cancel(p.id).expect(200);
    gateway.refunds = ['unreachable'];
    const answer = await deliver({ status: 'APPROVED', reservationId: p.id, amount: p.amount });
    expect(answer).toEqual({ accepted: true, duplicate: false, result: 'AUTO_REFUNDED' });
    const list = await t.http().get('/api/admin/payments/pending').set(bearer(admin)).expect(200);
    expect(list.body.find((r: { reservationId: number }) => r.reservationId === p.id)).toMatchObject({
      paymentStatus: 'SUCCESS',
      reservationStatus: 'CANCELLED',
      reason: 'PAID_WITHOUT_TICKET',
    });
  });
});
