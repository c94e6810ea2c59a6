import { DataSource } from 'typeorm';
import { withAdvisoryLock } from './advisory-lock';

/** Arbitrary constant: serializes migrations when several instances start against one database. */
export const MIGRATION_LOCK_ID = 727274001;

export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  return withAdvisoryLock(dataSource, MIGRATION_LOCK_ID, async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  });
}
