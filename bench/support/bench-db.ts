import { Client } from 'pg';
import { BUSINESS_TABLES, recreateDatabase, withClient } from '../../support/database';

/**
 * Every database and Redis index the benchmarks use, all on 127.0.0.1. Each benchmark has a database of
 * its own (never the test database, a developer's data or another benchmark's), dropped and re-created
 * at its start, and Redis indexes the tests do not use.
 */
const POSTGRES = 'postgres://postgres@127.0.0.1:5432';
export const ADMIN_DATABASE_URL = `${POSTGRES}/postgres`;
const DATABASES = {
  service: 'checkout_bench_service',
  expiry: 'checkout_bench',
  webhook: 'checkout_bench_webhook',
  push: 'checkout_bench_push',
  soak: 'checkout_soak',
  waitingRoom: 'checkout_bench_waiting_room',
  scaleOut: 'checkout_bench_scale_out',
  cancellation: 'checkout_bench_cancellation',
};
export const BENCH_DATABASE = DATABASES.service;
export const BENCH_DATABASE_URL = `${POSTGRES}/${BENCH_DATABASE}`;
export const REDIS_URLS = {
  // 11, not 12: docs/testing.md suggests TEST_REDIS_DB=12 for a developer's own test runs.
  scaleOut: 'redis://127.0.0.1:6379/11',
  expiry: 'redis://127.0.0.1:6379/13',
  waitingRoom: 'redis://127.0.0.1:6379/14',
  soak: 'redis://127.0.0.1:6379/15',
  // Shared with expiry: benchmarks run one at a time (flock), and this one flushes it first.
  cancellation: 'redis://127.0.0.1:6379/13',
};

/** Drops and re-creates the benchmark's database, migrated the way the app does it; returns its URL. */
export async function recreateBenchDatabase(bench: keyof typeof DATABASES): Promise<string> {
  const url = `${POSTGRES}/${DATABASES[bench]}`;
  await recreateDatabase(ADMIN_DATABASE_URL, DATABASES[bench], url);
  return url;
}

/** A client of the service's bench database, or of `url` (the embedded benchmark's own server). */
export function withBenchClient<T>(fn: (client: Client) => Promise<T>, url = BENCH_DATABASE_URL): Promise<T> {
  return withClient(url, fn);
}

export async function postgresVersion(): Promise<string> {
  return withClient(
    ADMIN_DATABASE_URL,
    async (db) => (await db.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version,
  );
}

/** A contiguous range of seat ids belonging to one option. */
export interface SeatRange {
  optionId: number;
  first: number;
  last: number;
}

export interface Seeded {
  userIds: number[];
  options: Record<string, SeatRange>;
}

/**
 * Empties every business table and seeds users, one concert and the named options with their seat counts
 * (e.g. { hold: 80000 }), straight in SQL (no bcrypt: the bench signs its tokens itself). Runs VACUUM
 * ANALYZE so every scenario starts from the same clean, analysed tables whatever ran before it.
 */
export async function resetAndSeed(
  users: number,
  seats: Record<string, number>,
  url = BENCH_DATABASE_URL,
): Promise<Seeded> {
  return withBenchClient(async (db) => {
    await db.query(`TRUNCATE ${BUSINESS_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
    const userRows = await db.query<{ id: number }>(
      `INSERT INTO users (username, password_hash)
       SELECT 'bench' || g, 'not-a-bcrypt-hash' FROM generate_series(1, $1::int) g RETURNING id`,
      [users],
    );
    const concert = await db.query<{ id: number }>(
      `INSERT INTO concerts (title, artist_name) VALUES ('Bench concert', 'Bench') RETURNING id`,
    );
    const options: Record<string, SeatRange> = {};
    for (const [name, seatCount] of Object.entries(seats)) {
      const option = await db.query<{ id: number }>(
        `INSERT INTO concert_options (concert_id, concert_date, ticket_price_amount)
         VALUES ($1, now() + interval '30 days', 50000) RETURNING id`,
        [concert.rows[0].id],
      );
      const optionId = option.rows[0].id;
      const range = await db.query<{ first: number; last: number }>(
        `WITH s AS (
           INSERT INTO seats (option_id, seat_number)
           SELECT $1, 'S' || g FROM generate_series(1, $2::int) g ORDER BY g RETURNING id
         ) SELECT min(id)::int AS first, max(id)::int AS last FROM s`,
        [optionId, seatCount],
      );
      const { first, last } = range.rows[0];
      if (last - first + 1 !== seatCount) throw new Error(`seats of option ${name} are not contiguous`);
      options[name] = { optionId, first, last };
    }
    await db.query('VACUUM ANALYZE');
    return { userIds: userRows.rows.map((r) => r.id), options };
  }, url);
}
