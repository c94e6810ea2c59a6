import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Release class: EXPAND. An index only.
 *
 * The payment reconciler looks every 30 s for captured payments whose reservation got no ticket. Captured
 * payments are most of the ledger, so it only looks at those settled in the last days, through this index.
 */
export class ReconcileIndex1764000010100 implements MigrationInterface {
  name = 'ReconcileIndex1764000010100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX payment_transactions_success_payment_updated_idx ON payment_transactions (updated_at)
        WHERE type = 'PAYMENT' AND status = 'SUCCESS'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS payment_transactions_success_payment_updated_idx`);
  }
}
