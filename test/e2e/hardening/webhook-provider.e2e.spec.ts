import { checkout } from '../../support/checkout';
import { ledger } from '../../support/fixtures';
import { sendPgEvent } from '../../support/signed-webhook';
import { startWorld, World } from '../../support/world';

/** Hardening 8: a signed APPROVED settled a mock attempt. The webhook settles only pg-ready's own attempts. */
describe("hardening 8: the PG webhook cannot settle another provider's attempt", () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ env: { PAYMENT_PROVIDER: 'mock', MOCK_PAYMENT_OUTCOME: 'pending' } });
  });
  afterAll(() => w.close());

  it('answers 404 like an unknown attempt and leaves the mock attempt PENDING', async () => {
    const { id, attemptId, amount } = await w.pendingAttempt();
    const res = await sendPgEvent(w.t, {
      reservationId: id,
      paymentTransactionId: attemptId,
      status: 'APPROVED',
      amount,
    });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ errorCode: 'NOT_FOUND' });
    expect((await ledger(w.t, id)).map((r) => `${r.type}:${r.status}`)).toEqual(['PAYMENT:PENDING']);
    expect((await checkout(w.t, w.user).get(id).expect(200)).body.status).toBe('PAYING');
  });
});
