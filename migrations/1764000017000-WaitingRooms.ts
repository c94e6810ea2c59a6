import { MigrationInterface, QueryRunner } from 'typeorm';
import { refuseRevertWhileDataExists } from '../src/database/migration-guard';

/**
 * Release class: EXPAND. A new table.
 *
 * A concert's waiting room configuration (the queue itself lives in Redis, or in memory on one instance):
 * whether it gates the concert, how many fans it admits a minute and at most at once, how long an
 * admission lasts, and when it opens (joins before that are shuffled once at opening).
 */
export class WaitingRooms1764000017000 implements MigrationInterface {
  name = 'WaitingRooms1764000017000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE waiting_rooms (
        concert_id integer PRIMARY KEY REFERENCES concerts(id),
        enabled boolean NOT NULL,
        admission_per_minute integer NOT NULL CHECK (admission_per_minute BETWEEN 1 AND 600000),
        max_active_users integer NOT NULL CHECK (max_active_users BETWEEN 1 AND 1000000),
        active_ttl_seconds integer NOT NULL CHECK (active_ttl_seconds BETWEEN 10 AND 3600),
        opens_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  /** Refused while a concert has a waiting room configured. */
  async down(q: QueryRunner): Promise<void> {
    await refuseRevertWhileDataExists(q, this.name, [
      { what: 'waiting room configurations', count: `SELECT count(*) AS n FROM waiting_rooms` },
    ]);
    await q.query(`DROP TABLE waiting_rooms`);
  }
}
