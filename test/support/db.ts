import { DataSource } from 'typeorm';
import { BUSINESS_TABLES, withClient } from '../../support/database';

export { BUSINESS_TABLES, recreateDatabase, withClient } from '../../support/database';

const TRUNCATE_ALL = `TRUNCATE ${BUSINESS_TABLES.join(', ')} RESTART IDENTITY CASCADE`;

/** Empties every business table. Each spec file starts from here. */
export async function resetDatabase(dataSource: DataSource): Promise<void> {
  await dataSource.query(TRUNCATE_ALL);
}

/** Same, over a short-lived connection (before an app exists). */
export async function resetDatabaseAt(url: string): Promise<void> {
  await withClient(url, (client) => client.query(TRUNCATE_ALL));
}

/**
 * Drops and re-creates `name` as a copy of `template` (CREATE DATABASE … TEMPLATE: a file copy, far
 * quicker than migrating again). PostgreSQL refuses while anyone is connected to the template; the
 * connection that migrated it may take a moment to end, so that refusal is retried briefly.
 */
export async function copyDatabase(adminUrl: string, template: string, name: string): Promise<void> {
  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (err) {
        const busy = (err as { code?: string }).code === '55006'; // object_in_use: the template has a session
        if (!busy || attempt >= 50) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
}
