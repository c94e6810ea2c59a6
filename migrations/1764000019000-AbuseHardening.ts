import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Release class: CONTRACT. The case-insensitive unique index refuses a signup the previous release would
 * insert (`Admin` beside `admin`), which it would answer with a 500 instead of a 409.
 *
 * What a hostile pass over the service asked for, in the schema:
 * - usernames unique whatever their case (`Admin` next to `admin` read as the same person); existing
 *   clashes are listed and stop the migration, for an operator to rename one side first;
 * - the client address of each reservation, for the per-IP limit on live holds across accounts;
 * - each fan's self top-ups per UTC day, for the daily cap (raised by a conditional upsert in the charge's
 *   transaction, so the cap is exact under concurrency).
 */
export class AbuseHardening1764000019000 implements MigrationInterface {
  name = 'AbuseHardening1764000019000';

  async up(q: QueryRunner): Promise<void> {
    const clashes: { name: string; usernames: string[] }[] = await q.query(
      `SELECT lower(username) AS name, array_agg(username ORDER BY id) AS usernames
         FROM users GROUP BY lower(username) HAVING count(*) > 1`,
    );
    if (clashes.length > 0) {
      const list = clashes.map((c) => c.usernames.join(' / ')).join('; ');
      throw new Error(
        `usernames that differ only in case: ${list}. Rename all but one of each (UPDATE users SET ` +
          `username = ... WHERE id = ...) and start again: usernames are unique whatever their case.`,
      );
    }
    await q.query(`CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))`);
    await q.query(`ALTER TABLE reservations ADD COLUMN client_ip inet`);
    await q.query(
      `CREATE INDEX reservations_live_by_client_ip ON reservations (client_ip)
        WHERE status IN ('HOLD', 'PAYING') AND client_ip IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE wallet_self_charges (
        user_id integer NOT NULL REFERENCES users(id),
        day date NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        PRIMARY KEY (user_id, day)
      )`);
  }

  /**
   * Loses only limiter state, on purpose: the client address of reservations (the per-IP limit on live
   * holds) and today's self top-up totals (the daily cap). Both limits are looser for a day at most.
   */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE wallet_self_charges`);
    await q.query(`DROP INDEX reservations_live_by_client_ip`);
    await q.query(`ALTER TABLE reservations DROP COLUMN client_ip`);
    await q.query(`DROP INDEX users_username_lower_key`);
  }
}
