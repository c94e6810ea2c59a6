import { MigrationInterface, QueryRunner } from 'typeorm';
import { refuseRevertWhileDataExists } from '../src/database/migration-guard';

/**
 * Release class: EXPAND. A new table.
 *
 * Every write made through the admin console names its actor: one row per change (the concert, option,
 * sales policy, waiting room or tier it made), written in the change's transaction. Refund overrides keep
 * their own, richer trail (admin_refund_audit_logs).
 */
export class AdminActions1764000018000 implements MigrationInterface {
  name = 'AdminActions1764000018000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE admin_actions (
        id bigserial PRIMARY KEY,
        actor_user_id integer NOT NULL,
        actor_role varchar(10) NOT NULL,
        action varchar(40) NOT NULL,
        target_type varchar(20) NOT NULL,
        target_id integer NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        occurred_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX admin_actions_target_idx ON admin_actions (target_type, target_id, id)`);
  }

  /** Refused while the admin audit trail has a row: it is never dropped silently. */
  async down(q: QueryRunner): Promise<void> {
    await refuseRevertWhileDataExists(q, this.name, [
      { what: 'admin action audit rows', count: `SELECT count(*) AS n FROM admin_actions` },
    ]);
    await q.query(`DROP TABLE admin_actions`);
  }
}
