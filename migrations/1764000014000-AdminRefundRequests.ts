import { MigrationInterface, QueryRunner } from 'typeorm';
import { refuseRevertWhileDataExists } from '../src/database/migration-guard';

/**
 * Release class: EXPAND. A new table.
 *
 * An admin refund override in flight. The override writes this row in the transaction that records its
 * PENDING refund, and its audit row replaces it once the outcome is known. If the process dies in
 * between, the payment reconciler finishes the refund and the row says whose override it was, so the
 * audit trail still gets its SUCCESS or FAILED row (before, such a refund left no audit row at all).
 * `request_key` names the call that wrote the row: only that call's own audit row removes it.
 */
export class AdminRefundRequests1764000014000 implements MigrationInterface {
  name = 'AdminRefundRequests1764000014000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE admin_refund_requests (
        reservation_id integer PRIMARY KEY REFERENCES reservations(id),
        request_key varchar(40) NOT NULL,
        target_user_id integer,
        actor_user_id integer NOT NULL,
        actor_role varchar(10) NOT NULL CHECK (actor_role IN ('USER', 'ADMIN')),
        reason varchar(500),
        requested_at timestamptz NOT NULL
      )`);
  }

  /** Refused while an override is in flight: its row is what lets the reconciler write its audit row. */
  async down(q: QueryRunner): Promise<void> {
    await refuseRevertWhileDataExists(q, this.name, [
      { what: 'admin refund overrides in flight', count: `SELECT count(*) AS n FROM admin_refund_requests` },
    ]);
    await q.query(`DROP TABLE admin_refund_requests`);
  }
}
