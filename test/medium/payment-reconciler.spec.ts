import { ExpirySweeper } from '../../src/modules/reservation/expiry/expiry-sweeper';
import { checkout, netPaid, seatStatus } from '../support/checkout';
import { createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import {
  insertLedgerRow,
  ledgerRows,
  reconcile,
  reservationStatus,
  walletBalance,
  walletChargeCommitted,
} from './crash-fixtures';

const INITIAL = 200_000;
const PRICE = 30_000;

/**
 * Crash recovery with the wallet provider: each case writes, in SQL, the state a process killed at that
 * point leaves behind, then lets the reconciler (start-up pass or periodic pass) resolve it.
 */
describe('payment reconciler after a crash (wallet)', () => {
  let t: TestApp;
  let admin: TestUser;
  let option: TestOption;
  let seat = 0;
  const env = { PAYMENT_PROVIDER: 'wallet', MAX_ACTIVE_HOLDS_PER_USER: '0' };

  beforeAll(async () => {
    t = await startTestApp(env);
    admin = await createAdmin(t);
    option = await createOption(t, admin, { seatCount: 20, price: PRICE });
  });
  afterAll(() => t?.close());

  async function paying(): Promise<{ user: TestUser; id: number; seatId: number }> {
    const user = await createUser(t);
    const seatId = option.seatIds[seat++];
    return { user, id: await checkout(t, user).toPaying(seatId), seatId };
  }

  it('(a) a PENDING attempt with no debit becomes FAILED ABANDONED; a fresh one is left alone', async () => {
    const { user, id } = await paying();
    const attempt = await insertLedgerRow(t.dataSource, {
      userId: user.id,
      reservationId: id,
      type: 'PAYMENT',
      status: 'PENDING',
      amount: PRICE,
      provider: 'wallet',
    });
    const fresh = await paying();
    await insertLedgerRow(t.dataSource, {
      userId: fresh.user.id,
      reservationId: fresh.id,
      type: 'PAYMENT',
      status: 'PENDING',
      amount: PRICE,
      provider: 'wallet',
      ageSeconds: 5, // a confirm still in flight: inside the grace period
    });

    await reconcile(t);

    const rows = await ledgerRows(t.dataSource, id);
    expect(rows).toEqual([expect.objectContaining({ id: attempt, status: 'FAILED' })]);
    expect(rows[0].failureReason).toMatch(/^ABANDONED/);
    expect(await walletBalance(t.dataSource, user.id)).toBe(INITIAL);
    expect((await ledgerRows(t.dataSource, fresh.id)).map((r) => r.status)).toEqual(['PENDING']);
    // The customer can pay again: one new attempt, one debit.
    const again = await checkout(t, user).confirm(id).expect(200);
    expect(again.body.status).toBe('CONFIRMED');
    expect(await walletBalance(t.dataSource, user.id)).toBe(INITIAL - PRICE);
    expect(await netPaid(t, id)).toBe(PRICE);
  });

  it('(b) debited but the reservation never moved, hold still live: confirmed, not charged again', async () => {
    const { user, id, seatId } = await paying();
    await walletChargeCommitted(t.dataSource, user.id, id, PRICE);

    await reconcile(t);

    expect(await reservationStatus(t.dataSource, id)).toBe('CONFIRMED');
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    expect((await ledgerRows(t.dataSource, id)).map((r) => `${r.type}:${r.status}`)).toEqual([
      'PAYMENT:SUCCESS',
    ]);
    expect(await walletBalance(t.dataSource, user.id)).toBe(INITIAL - PRICE);
  });

  it('(b) debited, then the hold expired through the sweeper: the expiry never keeps the money', async () => {
    const { user, id, seatId } = await paying();
    await walletChargeCommitted(t.dataSource, user.id, id, PRICE);
    await t.dataSource.query(
      `UPDATE reservations SET hold_expires_at = now() - interval '10 seconds' WHERE id = $1`,
      [id],
    );
    await t.app.get(ExpirySweeper).sweepOnce();
    expect(await reservationStatus(t.dataSource, id)).toBe('EXPIRED');

    await reconcile(t);

    expect((await ledgerRows(t.dataSource, id)).map((r) => `${r.type}:${r.status}`)).toEqual([
      'PAYMENT:SUCCESS',
      'REFUND:SUCCESS',
    ]);
    expect(await netPaid(t, id)).toBe(0);
    expect(await walletBalance(t.dataSource, user.id)).toBe(INITIAL);
    expect(await reservationStatus(t.dataSource, id)).toBe('EXPIRED');
    expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
  });

  it('(b) debited on a reservation cancelled meanwhile (compensation died): refunded once', async () => {
    const { user, id } = await paying();
    await walletChargeCommitted(t.dataSource, user.id, id, PRICE);
    await checkout(t, user).cancel(id).expect(200);

    await reconcile(t);
    await reconcile(t); // a second pass finds nothing left to do

    expect((await ledgerRows(t.dataSource, id)).map((r) => `${r.type}:${r.status}`)).toEqual([
      'PAYMENT:SUCCESS',
      'REFUND:SUCCESS',
    ]);
    expect(await walletBalance(t.dataSource, user.id)).toBe(INITIAL);
  });

  it('(c) a user refund that died after recording its PENDING row: finished, ticket REFUNDED', async () => {
    const { user, id, seatId } = await paying();
    await checkout(t, user).confirm(id).expect(200);
    await insertLedgerRow(t.dataSource, {
      userId: user.id,
      reservationId: id,
      type: 'REFUND',
      status: 'PENDING',
      amount: PRICE,
      provider: 'wallet',
    });

    await reconcile(t);

    expect((await ledgerRows(t.dataSource, id)).map((r) => `${r.type}:${r.status}`)).toEqual([
      'PAYMENT:SUCCESS',
      'REFUND:SUCCESS',
    ]);
    expect(await reservationStatus(t.dataSource, id)).toBe('REFUNDED');
    expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
    expect(await walletBalance(t.dataSource, user.id)).toBe(INITIAL);
    // No admin override was in flight: nothing for the admin audit trail.
    expect(
      await t.dataSource.query('SELECT 1 FROM admin_refund_audit_logs WHERE reservation_id = $1', [id]),
    ).toEqual([]);
  });

  it('a restarted instance resolves what it finds at start-up; two instances never refund twice', async () => {
    const cases = await Promise.all([paying(), paying(), paying()]);
    for (const c of cases) await walletChargeCommitted(t.dataSource, c.user.id, c.id, PRICE);
    // All three holds are over: each capture must be refunded exactly once.
    await t.dataSource.query(
      `UPDATE reservations SET hold_expires_at = now() - interval '10 seconds' WHERE id = ANY($1)`,
      [cases.map((c) => c.id)],
    );
    await t.close();
    const [a, b] = await Promise.all([
      startTestApp(env, {}, { reset: false }),
      startTestApp(env, {}, { reset: false }),
    ]);
    t = a;
    try {
      await Promise.all([reconcile(a), reconcile(b)]);
    } finally {
      await b.close();
    }
    for (const c of cases) {
      expect((await ledgerRows(t.dataSource, c.id)).map((r) => `${r.type}:${r.status}`)).toEqual([
        'PAYMENT:SUCCESS',
        'REFUND:SUCCESS',
      ]);
      expect(await reservationStatus(t.dataSource, c.id)).toBe('EXPIRED');
      expect(await walletBalance(t.dataSource, c.user.id)).toBe(INITIAL);
    }
  });
});

describe('payment reconciler with card providers', () => {
  let t: TestApp;

  afterEach(() => t?.close());

  async function pendingCardAttempt(provider: string) {
    const admin = await createAdmin(t);
    const option = await createOption(t, admin, { seatCount: 1, price: PRICE });
    const user = await createUser(t);
    const id = await checkout(t, user).toPaying(option.seatIds[0]);
    await insertLedgerRow(t.dataSource, {
      userId: user.id,
      reservationId: id,
      type: 'PAYMENT',
      status: 'PENDING',
      amount: PRICE,
      provider,
    });
    return id;
  }

  it('mock: it keeps no record, so an unrecorded attempt counts as never captured (FAILED)', async () => {
    t = await startTestApp({ PAYMENT_PROVIDER: 'mock' });
    const id = await pendingCardAttempt('mock');
    await reconcile(t);
    const rows = await ledgerRows(t.dataSource, id);
    expect(rows.map((r) => r.status)).toEqual(['FAILED']);
    expect(rows[0].failureReason).toMatch(/^ABANDONED/);
    expect(await reservationStatus(t.dataSource, id)).toBe('PAYING');

    // An attempt the gateway answered PENDING (answer recorded) waits for its webhook, however old.
    const waiting = await pendingCardAttempt('mock');
    await t.dataSource.query(
      `UPDATE payment_transactions SET provider_transaction_id = 'mock_answered_pending' WHERE reservation_id = $1`,
      [waiting],
    );
    await reconcile(t);
    expect((await ledgerRows(t.dataSource, waiting)).map((r) => r.status)).toEqual(['PENDING']);
  });

  it('pg-ready: it cannot be asked, so the attempt stays PENDING for the webhook', async () => {
    t = await startTestApp({ PAYMENT_PROVIDER: 'pg-ready' });
    const id = await pendingCardAttempt('pg-ready');
    await reconcile(t);
    expect((await ledgerRows(t.dataSource, id)).map((r) => r.status)).toEqual(['PENDING']);
  });
});
