import { copyDatabase, recreateDatabase } from './db';
import { ADMIN_DATABASE_URL, TEMPLATE_DATABASE, workerDatabase } from './test-env';

/**
 * Once per jest run: migrates a template database (no synchronize, same path as production), then gives
 * each jest worker its own copy of it, `<TEST_DATABASE>_w<N>` (test-env.ts picks it by JEST_WORKER_ID).
 */
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  const templateUrl = `postgres://postgres@127.0.0.1:5432/${TEMPLATE_DATABASE}`;
  await recreateDatabase(ADMIN_DATABASE_URL, TEMPLATE_DATABASE, templateUrl);
  const workers = Math.max(1, globalConfig.maxWorkers);
  for (let worker = 1; worker <= workers; worker++) {
    await copyDatabase(ADMIN_DATABASE_URL, TEMPLATE_DATABASE, workerDatabase(worker));
  }
}
