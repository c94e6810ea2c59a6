import { checkout } from '../support/checkout';
import { ledger, netPaid } from '../support/fixtures';
import { bearer, TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { TestApp } from '../support/test-app';
import { startWorld, World } from '../support/world';

const HOUR = 3600 * 1000;

/** The wallet provider gives refunds back to the balance; REFUND_CUTOFF_HOURS moves the cutoff. */
describe('refunds with PAYMENT_PROVIDER=wallet and REFUND_CUTOFF_HOURS=48', () => {
  const concertDate = new Date(Math.ceil((Date.now() + 72 * HOUR) / 1000) * 1000);
  let w: World;
  let t: TestApp;
  let clock: FakeClock;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    w = await startWorld({
      env: { PAYMENT_PROVIDER: 'wallet', WALLET_INITIAL_BALANCE: '200000', REFUND_CUTOFF_HOURS: '48' },
      seats: 10,
      price: 60000,
      concertDate,
    });
    ({ t, clock, admin, user } = w);
  });
  afterAll(() => w.close());
  beforeEach(() => clock.reset());

  const balance = async (u: TestUser) =>
    (await t.http().get(`/api/users/${u.id}/wallet`).set(bearer(u)).expect(200)).body.walletBalanceAmount;

  async function confirmed(): Promise<number> {
    const { id } = await w.confirmedTicket();
    expect((await checkout(t, user).get(id).expect(200)).body).toMatchObject({
      paymentMethod: 'WALLET',
      paymentProvider: 'wallet',
    });
    return id;
  }

  it('a user refund credits the ticket price back to the balance', async () => {
    const start = await balance(user);
    const id = await confirmed();
    expect(await balance(user)).toBe(start - 60000);
    const res = await checkout(t, user).refund(id).expect(200);
    expect(res.body.status).toBe('REFUNDED');
    expect(res.body.refundCutoffAt).toBe(new Date(concertDate.getTime() - 48 * HOUR).toISOString());
    expect(await balance(user)).toBe(start);
    const rows: { type: string; status: string; balance_after_amount: number }[] = await t.dataSource.query(
      `SELECT type, status, balance_after_amount FROM payment_transactions WHERE reservation_id = $1 ORDER BY id`,
      [id],
    );
    expect(rows).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', balance_after_amount: start - 60000 },
      { type: 'REFUND', status: 'SUCCESS', balance_after_amount: start },
    ]);
    // A repeat changes neither the balance nor the ledger.
    await checkout(t, user).refund(id).expect(200);
    expect(await balance(user)).toBe(start);
    expect(await ledger(t, id)).toHaveLength(2);
  });

  it('47 h before the show (past the 48 h cutoff) the user is refused; the admin override credits the owner', async () => {
    const start = await balance(user);
    const id = await confirmed();
    clock.advance(concertDate.getTime() - 47 * HOUR - Date.now());
    expect((await checkout(t, user).refund(id).expect(409)).body.errorCode).toBe('REFUND_CUTOFF_PASSED');
    expect((await checkout(t, user).cancel(id).expect(409)).body.errorCode).toBe('REFUND_CUTOFF_PASSED');
    expect(await balance(user)).toBe(start - 60000);

    await t
      .http()
      .post(`/api/reservations/v7/admin/${id}/refund`)
      .set(bearer(admin))
      .send({ reason: 'Venue changed the date' })
      .expect(200);
    expect(await balance(user)).toBe(start);
    expect(await netPaid(t, id)).toBe(0);
  });
});
