import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Release class: EXPAND. Drops indexes no query needs; the previous code runs unchanged, a little slower at most.
 *
 * Fewer index entries per status change, for the hold and the expiry storm (bench/RESULTS.md):
 * - seats (option_id, status) made every seat status flip a non-HOT update with three new index entries.
 *   Listing an option's seats (or only its available ones) goes through (option_id, seat_number), which
 *   has option_id first; filtering a few thousand rows of one option by status is cheap. With status
 *   out of every index and room left on each page (fillfactor 85), a flip is a HOT update: no index
 *   entries at all. The fillfactor applies to pages written from now on (seats are written when an
 *   option is created); `VACUUM FULL seats` would repack older ones.
 * - outbox_events (created_at) was only for pruning; the prune now walks the primary key from the
 *   oldest id, where the published rows older than the retention are.
 */
export class LeanerWriteIndexes1764000012000 implements MigrationInterface {
  name = 'LeanerWriteIndexes1764000012000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS seats_option_status_idx`);
    await q.query(`ALTER TABLE seats SET (fillfactor = 85)`);
    await q.query(`DROP INDEX IF EXISTS outbox_events_created_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX outbox_events_created_idx ON outbox_events (created_at)`);
    await q.query(`ALTER TABLE seats RESET (fillfactor)`);
    await q.query(`CREATE INDEX seats_option_status_idx ON seats (option_id, status)`);
  }
}
