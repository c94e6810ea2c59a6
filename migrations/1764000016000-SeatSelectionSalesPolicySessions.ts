import { MigrationInterface, QueryRunner } from 'typeorm';
import { refuseRevertWhileDataExists } from '../src/database/migration-guard';

/**
 * Release class: EXPAND. New tables and columns with defaults, and a wider CHECK.
 *
 * The rest of the v7 surface:
 * - users get a `tier` (presale eligibility), concerts an optional sales policy;
 * - purchase_counts keeps each user's HOLD + PAYING + CONFIRMED reservations per concert, maintained by
 *   the statements that move reservations, so the per-user limit is decided by one conditional upsert
 *   in the hold statement (exact under any concurrency); backfilled here from the reservations;
 * - reservations remember when their expiry warning was written (at most one HOLD_EXPIRING each);
 * - the outbox carries HOLD_EXPIRING events (and seat-selection SEAT_STATUS events, as payload rows);
 * - refresh tokens, stored hashed, in families for rotation and reuse detection.
 */
export class SeatSelectionSalesPolicySessions1764000016000 implements MigrationInterface {
  name = 'SeatSelectionSalesPolicySessions1764000016000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN tier varchar(10) NOT NULL DEFAULT 'BASIC'
                     CHECK (tier IN ('BASIC', 'SILVER', 'GOLD', 'VIP'))`);
    await q.query(`
      CREATE TABLE sales_policies (
        concert_id integer PRIMARY KEY REFERENCES concerts(id),
        presale_start_at timestamptz,
        presale_end_at timestamptz,
        presale_minimum_tier varchar(10) CHECK (presale_minimum_tier IN ('BASIC', 'SILVER', 'GOLD', 'VIP')),
        general_sale_start_at timestamptz NOT NULL,
        max_reservations_per_user integer NOT NULL CHECK (max_reservations_per_user BETWEEN 1 AND 50),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((presale_start_at IS NULL) = (presale_end_at IS NULL)),
        CHECK (presale_start_at IS NULL OR
               (presale_start_at < presale_end_at AND presale_end_at <= general_sale_start_at)),
        CHECK (presale_minimum_tier IS NULL OR presale_start_at IS NOT NULL)
      )`);
    await q.query(`
      CREATE TABLE purchase_counts (
        user_id integer NOT NULL REFERENCES users(id),
        concert_id integer NOT NULL REFERENCES concerts(id),
        active integer NOT NULL CHECK (active >= 0),
        PRIMARY KEY (user_id, concert_id)
      ) WITH (fillfactor = 85)`);
    await q.query(`
      INSERT INTO purchase_counts (user_id, concert_id, active)
      SELECT user_id, concert_id, count(*) FROM reservations
       WHERE status IN ('HOLD', 'PAYING', 'CONFIRMED') GROUP BY 1, 2`);
    await q.query(`ALTER TABLE reservations ADD COLUMN expiry_warned_at timestamptz`);
    await q.query(`ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check`);
    await q.query(`ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check
                     CHECK (event_type IN ('RESERVATION_STATUS', 'SEAT_STATUS', 'HOLD_EXPIRING'))`);
    await q.query(`
      CREATE TABLE refresh_tokens (
        id bigserial PRIMARY KEY,
        family_id uuid NOT NULL,
        user_id integer NOT NULL REFERENCES users(id),
        token_hash char(64) NOT NULL,
        issued_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        spent_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
  }

  /**
   * Refused while it would lose what cannot be rebuilt: sales policies, users' tiers, HOLD_EXPIRING outbox
   * rows. Dropped without asking: purchase_counts and expiry_warned_at (derived from reservations) and
   * refresh tokens (sessions: every fan logs in again once the previous release runs).
   */
  async down(q: QueryRunner): Promise<void> {
    await refuseRevertWhileDataExists(q, this.name, [
      { what: 'sales policies', count: `SELECT count(*) AS n FROM sales_policies` },
      {
        what: 'users with a tier other than BASIC',
        count: `SELECT count(*) AS n FROM users WHERE tier <> 'BASIC'`,
      },
      {
        what: 'HOLD_EXPIRING outbox rows (pruned with the outbox retention)',
        count: `SELECT count(*) AS n FROM outbox_events WHERE event_type = 'HOLD_EXPIRING'`,
      },
    ]);
    await q.query(`DROP TABLE refresh_tokens`);
    await q.query(`DELETE FROM outbox_events WHERE event_type = 'HOLD_EXPIRING'`);
    await q.query(`ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check`);
    await q.query(`ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check
                     CHECK (event_type IN ('RESERVATION_STATUS', 'SEAT_STATUS'))`);
    await q.query(`ALTER TABLE reservations DROP COLUMN expiry_warned_at`);
    await q.query(`DROP TABLE purchase_counts`);
    await q.query(`DROP TABLE sales_policies`);
    await q.query(`ALTER TABLE users DROP COLUMN tier`);
  }
}
