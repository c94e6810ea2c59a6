import { recreateDatabase } from './db';
import { ADMIN_DATABASE_URL, TEST_DATABASE, TEST_DATABASE_URL } from './test-env';

/** Creates a fresh test database and migrates it once per run (no synchronize, same path as production). */
export default async function globalSetup(): Promise<void> {
  await recreateDatabase(ADMIN_DATABASE_URL, TEST_DATABASE, TEST_DATABASE_URL);
}
