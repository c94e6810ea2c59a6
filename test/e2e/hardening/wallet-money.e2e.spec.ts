import { bearer, createAdmin, createUser, TestUser } from '../../support/factories';
import { expectError } from '../../support/http';
import { startTestApp, TestApp } from '../../support/test-app';

const charge = (t: TestApp, as: TestUser, userId: number, body: object) =>
  t.http().post(`/api/users/${userId}/wallet/charges`).set(bearer(as)).send(body);
const balance = async (t: TestApp, fan: TestUser) =>
  (await t.http().get(`/api/users/${fan.id}/wallet`).set(bearer(fan)).expect(200)).body.walletBalanceAmount;

/** Hardening 3: users could create money. Self top-ups are a capped demo feature; admin credits are audited. */
describe('hardening 3: no free money', () => {
  it('refuses self top-ups when WALLET_SELF_CHARGE is off (the default with DATABASE_URL)', async () => {
    const t = await startTestApp({ PAYMENT_PROVIDER: 'wallet' });
    try {
      const fan = await createUser(t);
      expectError(await charge(t, fan, fan.id, { amount: 100_000_000 }), 403, 'FORBIDDEN');
      expect(await balance(t, fan)).toBe(200_000);
    } finally {
      await t.close();
    }
  });

  describe('with self top-ups on', () => {
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
      expect(await balance(t, fan)).toBe(200_000 + 100_000);
      const replayed = results.findIndex((r) => r.status === 201);
      await charge(t, fan, fan.id, { amount: 10_000, idempotencyKey: `day-${replayed}` }).expect(200);
      expect(await balance(t, fan)).toBe(300_000);
    });

    it("requires a reason for an ADMIN's credit, not capped, and records who gave it", async () => {
      const fan = await createUser(t);
      expectError(await charge(t, admin, fan.id, { amount: 500_000 }), 400, 'VALIDATION_FAILED');
      expectError(
        await charge(t, admin, fan.id, { amount: 5, reason: 'x\u0000y' }),
        400,
        'VALIDATION_FAILED',
      );
      const credit = await charge(t, admin, fan.id, {
        amount: 500_000,
        reason: 'Goodwill for the cancelled show',
      }).expect(201);
      expect(await balance(t, fan)).toBe(700_000);
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
});
