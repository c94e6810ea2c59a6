import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Release class: EXPAND. A nullable column and an index; the previous relay ignores both.
 *
 * The outbox relay claims rows with a short lease instead of holding row locks while it publishes:
 * claim (one autocommit UPDATE … FOR UPDATE SKIP LOCKED) → publish (network, no transaction open) →
 * mark published. A relay that dies between claim and mark leaves a lease that expires, and another
 * relay publishes the rows again (at-least-once; clients drop duplicates by eventId).
 * The (partition_key, id) index lets the claim skip rows whose older same-key row is still unpublished,
 * so one key's events are published in id order even with several relays.
 */
export class OutboxRelayLease1764000008000 implements MigrationInterface {
  name = 'OutboxRelayLease1764000008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_events ADD COLUMN claimed_until timestamptz`);
    await q.query(
      `CREATE INDEX outbox_events_unpublished_key_idx ON outbox_events (partition_key, id)
        WHERE published_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS outbox_events_unpublished_key_idx`);
    await q.query(`ALTER TABLE outbox_events DROP COLUMN IF EXISTS claimed_until`);
  }
}
