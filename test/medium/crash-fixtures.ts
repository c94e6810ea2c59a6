import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { queryRows } from '../../src/database/sql';
import { PaymentReconciler } from '../../src/modules/checkout/reconcile/payment-reconciler.service';
import { TestApp } from '../support/test-app';

/** Older than the reconciler's grace period (60 s): what a crashed process left a while ago. */
export const STALE_SECONDS = 120;

export interface CrashRow {
  userId: number;
  reservationId: number;
  type: 'PAYMENT' | 'REFUND';
  status: 'PENDING' | 'SUCCESS';
  amount: number;
  provider: string;
  method?: string;
  /** Seconds since the row was written (created_at and updated_at). */
  ageSeconds?: number;
  balanceAfter?: number | null;
}

/** Writes a ledger row exactly as a process that then died would have left it. */
export async function insertLedgerRow(ds: DataSource, row: CrashRow): Promise<number> {
  const rows: { id: number }[] = await ds.query(
    `INSERT INTO payment_transactions
       (user_id, reservation_id, type, status, payment_method, payment_provider, provider_transaction_id,
        amount, balance_after_amount, idempotency_key, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
             now() - make_interval(secs => $11), now() - make_interval(secs => $11))
     RETURNING id`,
    [
      row.userId,
      row.reservationId,
      row.type,
      row.status,
      row.method ?? (row.provider === 'wallet' ? 'WALLET' : 'CARD'),
      row.provider,
      row.status === 'SUCCESS' ? `crash_${randomUUID()}` : null,
      row.amount,
      row.balanceAfter ?? null,
      `${row.type === 'PAYMENT' ? 'pay' : 'refund'}-${row.reservationId}-${randomUUID()}`,
      row.ageSeconds ?? STALE_SECONDS,
    ],
  );
  return rows[0].id;
}

/** The wallet's half of a charge that committed (debit + SUCCESS row) before the process died. */
export async function walletChargeCommitted(
  ds: DataSource,
  userId: number,
  reservationId: number,
  amount: number,
  ageSeconds = STALE_SECONDS,
): Promise<number> {
  const [{ balance: balanceAfter }] = await queryRows<{ balance: number }>(
    ds,
    `UPDATE wallets SET balance_amount = balance_amount - $2 WHERE user_id = $1
      RETURNING balance_amount::int AS balance`,
    [userId, amount],
  );
  return insertLedgerRow(ds, {
    userId,
    reservationId,
    type: 'PAYMENT',
    status: 'SUCCESS',
    amount,
    provider: 'wallet',
    ageSeconds,
    balanceAfter,
  });
}

export async function walletBalance(ds: DataSource, userId: number): Promise<number> {
  const rows: { b: number }[] = await ds.query(
    'SELECT balance_amount::int AS b FROM wallets WHERE user_id = $1',
    [userId],
  );
  return rows[0].b;
}

export async function reservationStatus(ds: DataSource, id: number): Promise<string> {
  const rows: { status: string }[] = await ds.query('SELECT status FROM reservations WHERE id = $1', [id]);
  return rows[0].status;
}

export async function ledgerRows(ds: DataSource, reservationId: number) {
  return ds.query(
    `SELECT id, type, status, amount::int AS amount, failure_reason AS "failureReason"
       FROM payment_transactions WHERE reservation_id = $1 ORDER BY id`,
    [reservationId],
  ) as Promise<{ id: number; type: string; status: string; amount: number; failureReason: string | null }[]>;
}

/**
 * One complete reconciler pass that starts after the caller's writes: the first tick joins a pass the
 * scheduler may already be running (which could have read the tables before), the second is fresh.
 */
export async function reconcile(t: TestApp): Promise<void> {
  const reconciler = t.app.get(PaymentReconciler);
  await reconciler.runNow();
  await reconciler.runNow();
}
