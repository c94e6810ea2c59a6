import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Release class: EXPAND. An index only.
 *
 * PENDING ledger rows are few and short-lived; a partial index lets the stuck-payments gauge count them
 * every 30 s without scanning the whole (ever-growing) ledger.
 */
export class PendingPaymentsIndex1764000006000 implements MigrationInterface {
  name = 'PendingPaymentsIndex1764000006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX payment_transactions_pending_idx ON payment_transactions (reservation_id) WHERE status = 'PENDING'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS payment_transactions_pending_idx`);
  }
}
