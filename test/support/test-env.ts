/** Where the tests find the real services. Only loopback addresses. */
export const ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** TEST_DATABASE=<name> gives a run its own database, so two runs on one machine do not drop each other's. */
export const TEST_DATABASE = /^[a-z_][a-z0-9_]{0,40}$/.test(process.env.TEST_DATABASE ?? '')
  ? process.env.TEST_DATABASE!
  : 'checkout_test';
export const TEST_DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${TEST_DATABASE}`;
/**
 * The one Redis database index the tests use (TEST_REDIS_DB, default 9), flushed freely: never a
 * developer's data in index 0. Like TEST_DATABASE, a second run on the machine picks another.
 */
export const TEST_REDIS_DB = /^([0-9]|1[0-5])$/.test(process.env.TEST_REDIS_DB ?? '')
  ? Number(process.env.TEST_REDIS_DB)
  : 9;
export const TEST_REDIS_URL = `redis://127.0.0.1:6379/${TEST_REDIS_DB}`;
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough';
export const TEST_WEBHOOK_SECRET = 'whsec_test_secret';
