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
