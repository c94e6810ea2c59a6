import { bearer, createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { checkout } from '../support/checkout';
import { ledger } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const balanceOf = async (t: TestApp, user: TestUser) =>
  (await t.http().get(`/api/users/${user.id}/wallet`).set(bearer(user)).expect(200)).body.walletBalanceAmount;

describe('wallet provider', () => {
  let t: TestApp;
  let option: TestOption;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp({
      PAYMENT_PROVIDER: 'wallet',
      WALLET_INITIAL_BALANCE: '100000',
      WALLET_SELF_CHARGE: 'true', // a demo feature, off by default with DATABASE_URL set
      MAX_ACTIVE_HOLDS_PER_USER: '0',
    });
    admin = await createAdmin(t);
    option = await createOption(t, admin, { seatCount: 20, price: 40000 });
  });
  afterAll(() => t.close());

  it('lists WALLET as the only method', async () => {
    const res = await t.http().get('/api/payments/methods').expect(200);
    expect(res.body).toMatchObject({
      provider: 'wallet',
      providerMode: 'WALLET_LEDGER',
      defaultMethod: 'WALLET',
    });
    expect(res.body.methods.map((m: { code: string }) => m.code)).toEqual(['WALLET']);
  });

  it('debits the balance with the ledger row; too little balance is 409 INSUFFICIENT_BALANCE and stays PAYING', async () => {
    const user = await createUser(t);
    const first = await checkout(t, user).toPaying(option.seatIds[0]);
    const paid = await checkout(t, user).confirm(first).expect(200);
    expect(paid.body).toMatchObject({
      status: 'CONFIRMED',
      paymentMethod: 'WALLET',
      paymentProvider: 'wallet',
    });
    expect(await balanceOf(t, user)).toBe(60000);
    const rows = (await checkout(t, user).payments(first)).body;
    expect(rows[0]).toMatchObject({ status: 'SUCCESS', balanceAfterAmount: 60000 });

    await checkout(t, user)
      .confirm(await checkout(t, user).toPaying(option.seatIds[1]), {})
      .expect(200);
    const third = await checkout(t, user).toPaying(option.seatIds[2]);
    const refused = await checkout(t, user).confirm(third).expect(409);
    expect(refused.body.errorCode).toBe('INSUFFICIENT_BALANCE');
    expect(await balanceOf(t, user)).toBe(20000);
    const after = (await checkout(t, user).get(third)).body;
    expect(after).toMatchObject({
      status: 'PAYING',
      paymentStatus: 'FAILED',
      paymentAction: 'RETRY_CONFIRM',
    });
    // Top up, retry within the deadline: a new attempt succeeds.
    await t
      .http()
      .post(`/api/users/${user.id}/wallet/charges`)
      .set(bearer(user))
      .send({ amount: 50000 })
      .expect(201);
    expect((await checkout(t, user).confirm(third).expect(200)).body.status).toBe('CONFIRMED');
    expect(await balanceOf(t, user)).toBe(30000);
  });

  it('never goes below zero under parallel confirms of different reservations', async () => {
    const user = await createUser(t); // 100000: enough for two tickets of 40000, not three
    const ids = [];
    for (const seatId of option.seatIds.slice(5, 9)) ids.push(await checkout(t, user).toPaying(seatId));
    const responses = await Promise.all(ids.map((id) => checkout(t, user).confirm(id)));
    expect(responses.filter((r) => r.status === 200 && r.body.status === 'CONFIRMED')).toHaveLength(2);
    expect(
      responses.filter((r) => r.status === 409 && r.body.errorCode === 'INSUFFICIENT_BALANCE'),
    ).toHaveLength(2);
    expect(await balanceOf(t, user)).toBe(20000);
  });

  it('rejects mockOutcome with another provider (400)', async () => {
    const user = await createUser(t);
    const id = await checkout(t, user).toPaying(option.seatIds[12]);
    const res = await checkout(t, user).confirm(id, { mockOutcome: 'approve' }).expect(400);
    expect(res.body.errorCode).toBe('VALIDATION_FAILED');
    expect(await ledger(t, id)).toEqual([]);
  });

  describe('wallet endpoints', () => {
    it('serve the owner and ADMINs, and refuse anyone else with 403', async () => {
      const [owner, stranger] = await Promise.all([createUser(t), createUser(t)]);
      const url = `/api/users/${owner.id}/wallet`;
      expect((await t.http().get(url).set(bearer(owner)).expect(200)).body).toEqual({
        userId: owner.id,
        walletBalanceAmount: 100000,
      });
      await t.http().get(url).set(bearer(admin)).expect(200);
      expect((await t.http().get(url).set(bearer(stranger)).expect(403)).body.errorCode).toBe('FORBIDDEN');
      await t.http().post(`${url}/charges`).set(bearer(stranger)).send({ amount: 1 }).expect(403);
      await t.http().get(`${url}/transactions`).set(bearer(stranger)).expect(403);
      await t.http().get(url).expect(401);
      await t.http().get(`/api/users/99999/wallet`).set(bearer(admin)).expect(404);
    });

    it('charges are idempotent by key: same amount 200 with the original row, other amount 422', async () => {
      const owner = await createUser(t);
      const url = `/api/users/${owner.id}/wallet/charges`;
      const first = await t
        .http()
        .post(url)
        .set(bearer(owner))
        .send({ amount: 5000, idempotencyKey: 'top-1' })
        .expect(201);
      expect(first.body).toMatchObject({
        type: 'CHARGE',
        status: 'SUCCESS',
        amount: 5000,
        balanceAfterAmount: 105000,
      });
      const replay = await t
        .http()
        .post(url)
        .set(bearer(owner))
        .send({ amount: 5000, idempotencyKey: 'top-1' })
        .expect(200);
      expect(replay.body.id).toBe(first.body.id);
      const reused = await t
        .http()
        .post(url)
        .set(bearer(owner))
        .send({ amount: 6000, idempotencyKey: 'top-1' })
        .expect(422);
      expect(reused.body.errorCode).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await balanceOf(t, owner)).toBe(105000);
      for (const amount of [0, -5, 1.5, '10']) {
        await t.http().post(url).set(bearer(owner)).send({ amount }).expect(400);
      }
      const list = await t
        .http()
        .get(`/api/users/${owner.id}/wallet/transactions?limit=500`)
        .set(bearer(owner))
        .expect(200);
      expect(list.body).toHaveLength(1);
    });
  });
});

describe('pg-ready provider', () => {
  let t: TestApp;
  let option: TestOption;

  afterEach(() => t.close());

  async function start(env: Record<string, string>) {
    t = await startTestApp({ PAYMENT_PROVIDER: 'pg-ready', ...env });
    option = await createOption(t, await createAdmin(t), { seatCount: 3 });
  }

  it('leaves every attempt PENDING with WAIT_WEBHOOK', async () => {
    await start({});
    const user = await createUser(t);
    const id = await checkout(t, user).toPaying(option.seatIds[0]);
    const res = await checkout(t, user).confirm(id).expect(200);
    expect(res.body).toMatchObject({
      status: 'PAYING',
      paymentStatus: 'PENDING',
      paymentAction: 'WAIT_WEBHOOK',
      paymentProvider: 'pg-ready',
      paymentRedirectUrl: null,
    });
    const methods = await t.http().get('/api/payments/methods').expect(200);
    expect(methods.body.providerMode).toBe('PG_WEBHOOK_READY');
  });

  it('answers REDIRECT with the PG checkout URL when PG_READY_LIVE=true', async () => {
    await start({ PG_READY_LIVE: 'true', PG_READY_CHECKOUT_BASE_URL: 'https://pg.test/checkout' });
    const user = await createUser(t);
    const id = await checkout(t, user).toPaying(option.seatIds[0]);
    const res = await checkout(t, user).confirm(id).expect(200);
    expect(res.body).toMatchObject({ paymentStatus: 'PENDING', paymentAction: 'REDIRECT' });
    expect(res.body.paymentRedirectUrl).toMatch(/^https:\/\/pg\.test\/checkout\?paymentTransactionId=\d+/);
    expect((await checkout(t, user).get(id)).body.paymentRedirectUrl).toBe(res.body.paymentRedirectUrl);
    expect((await t.http().get('/api/payments/methods')).body.providerMode).toBe('PG_EXTERNAL_LIVE');
  });

  it('honours PAYMENT_METHOD_STATUS_OVERRIDES', async () => {
    await start({ PAYMENT_METHOD_STATUS_OVERRIDES: 'KAKAOPAY=available,CARD=maintenance' });
    const methods = await t.http().get('/api/payments/methods').expect(200);
    expect(methods.body.defaultMethod).toBe('KAKAOPAY');
    const user = await createUser(t);
    const id = await checkout(t, user).toPaying(option.seatIds[1]);
    expect((await checkout(t, user).confirm(id, { paymentMethod: 'CARD' }).expect(409)).body.errorCode).toBe(
      'PAYMENT_METHOD_UNAVAILABLE',
    );
    expect((await checkout(t, user).confirm(id).expect(200)).body.paymentMethod).toBe('KAKAOPAY');
  });
});
