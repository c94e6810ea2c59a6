/** Where the tests find the real services. Only loopback addresses. */
export const ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Jest runs spec files in several worker processes (JEST_WORKER_ID 1, 2, …; 1 with --runInBand). Each
 * worker has a database and a Redis index of its own, so specs in different workers never truncate or
 * flush each other's data.
 */
export const JEST_WORKER = Math.max(1, Number(process.env.JEST_WORKER_ID ?? '1') || 1);

/**
 * TEST_DATABASE=<name> is the base name of a run's databases (default checkout_test): the template
 * `<name>_template`, migrated once per run (global-setup.ts), and one copy of it per worker,
 * `<name>_w<N>`. Two runs on one machine with different bases do not drop each other's databases.
 */
export const TEST_DATABASE_BASE = /^[a-z_][a-z0-9_]{0,40}$/.test(process.env.TEST_DATABASE ?? '')
  ? process.env.TEST_DATABASE!
  : 'checkout_test';
export const TEMPLATE_DATABASE = `${TEST_DATABASE_BASE}_template`;
export const workerDatabase = (worker: number) => `${TEST_DATABASE_BASE}_w${worker}`;
export const TEST_DATABASE = workerDatabase(JEST_WORKER);
export const TEST_DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${TEST_DATABASE}`;

/**
 * TEST_REDIS_DB (default 9) is the first of the run's Redis database indices: worker N uses
 * TEST_REDIS_DB + N - 1, flushed freely (never a developer's data in index 0). Like TEST_DATABASE, a
 * second run on the machine picks another base, far enough from the first for its workers.
 */
export const TEST_REDIS_DB_BASE = /^([0-9]|1[0-5])$/.test(process.env.TEST_REDIS_DB ?? '')
  ? Number(process.env.TEST_REDIS_DB)
  : 9;
export const TEST_REDIS_DB = TEST_REDIS_DB_BASE + JEST_WORKER - 1;
if (TEST_REDIS_DB > 15) {
  throw new Error(
    `jest worker ${JEST_WORKER} would use Redis index ${TEST_REDIS_DB} (TEST_REDIS_DB=${TEST_REDIS_DB_BASE}): ` +
      'Redis has 16 (0-15); lower TEST_REDIS_DB or the number of workers',
  );
}
export const TEST_REDIS_URL = `redis://127.0.0.1:6379/${TEST_REDIS_DB}`;
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough';
export const TEST_WEBHOOK_SECRET = 'whsec_test_secret';
