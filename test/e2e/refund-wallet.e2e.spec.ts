import { checkout } from '../support/checkout';
import { ledger, netPaid } from '../support/fixtures';
import { bearer, createAdmin, createUser, TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { expectError } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
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

  // From test/e2e/hardening/wallet-money.e2e.spec.ts (hardening 3): users could create money.
  it('refuses self top-ups when WALLET_SELF_CHARGE is off (the default with DATABASE_URL)', async () => {
    const fan = await createUser(t);
    expectError(await charge(t, fan, fan.id, { amount: 100_000_000 }), 403, 'FORBIDDEN');
    expect(await walletOf(t, fan)).toBe(200_000);
  });
});

const charge = (t: TestApp, as: TestUser, userId: number, body: object) =>
  t.http().post(`/api/users/${userId}/wallet/charges`).set(bearer(as)).send(body);
const walletOf = async (t: TestApp, fan: TestUser) =>
  (await t.http().get(`/api/users/${fan.id}/wallet`).set(bearer(fan)).expect(200)).body.walletBalanceAmount;

/**
 * From test/e2e/hardening/wallet-money.e2e.spec.ts (hardening 3): self top-ups are a capped demo feature;
 * admin credits are audited.
 */
describe('wallet top-ups with WALLET_SELF_CHARGE on', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(async () => {
    t = await startTestApp({
      PAYMENT_PROVIDER: 'wallet',
      WALLET_SELF_CHARGE: 'true',
      WALLET_MAX_CHARGE: '50000',
      WALLET_MAX_CHARGE_PER_DAY: '100000',
    });
    admin = await createAdmin(t);
  });
  afterAll(() => t?.close());

  it('caps one top-up at WALLET_MAX_CHARGE', async () => {
    const fan = await createUser(t);
    expectError(await charge(t, fan, fan.id, { amount: 50_001 }), 409, 'CHARGE_LIMIT_REACHED');
    await charge(t, fan, fan.id, { amount: 50_000 }).expect(201);
  });

  it('caps a day at WALLET_MAX_CHARGE_PER_DAY exactly, under 20 parallel top-ups; a replay is still 200', async () => {
    const fan = await createUser(t);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        charge(t, fan, fan.id, { amount: 10_000, idempotencyKey: `day-${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    for (const r of results.filter((r) => r.status !== 201))
      expect(r.body.errorCode).toBe('CHARGE_LIMIT_REACHED');
    expect(await walletOf(t, fan)).toBe(200_000 + 100_000);
    const replayed = results.findIndex((r) => r.status === 201);
    await charge(t, fan, fan.id, { amount: 10_000, idempotencyKey: `day-${replayed}` }).expect(200);
    expect(await walletOf(t, fan)).toBe(300_000);
  });

  it("requires a reason for an ADMIN's credit, not capped, and records who gave it", async () => {
    const fan = await createUser(t);
    expectError(await charge(t, admin, fan.id, { amount: 500_000 }), 400, 'VALIDATION_FAILED');
    expectError(await charge(t, admin, fan.id, { amount: 5, reason: 'x\u0000y' }), 400, 'VALIDATION_FAILED');
    const credit = await charge(t, admin, fan.id, {
      amount: 500_000,
      reason: 'Goodwill for the cancelled show',
    }).expect(201);
    expect(await walletOf(t, fan)).toBe(700_000);
    const actions = await t
      .http()
      .get(`/api/admin/actions?action=WALLET_CREDITED&targetId=${fan.id}`)
      .set(bearer(admin));
    expect(actions.body).toEqual([
      expect.objectContaining({
        actorUserId: admin.id,
        targetType: 'USER',
        detail: { amount: 500_000, reason: 'Goodwill for the cancelled show', ledgerId: credit.body.id },
      }),
    ]);
    expectError(
      await charge(t, fan, (await createUser(t)).id, { amount: 5, reason: 'a gift' }),
      403,
      'FORBIDDEN',
    );
  });
});
