import { DataSource } from 'typeorm';

/** Arbitrary constant: serializes migrations when several instances start against one database. */
const MIGRATION_LOCK_ID = 727274001;

/** Needs a pool of at least 2: one connection holds the lock while TypeORM migrates on another. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}
