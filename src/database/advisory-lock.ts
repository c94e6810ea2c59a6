import { DataSource } from 'typeorm';

/**
 * Runs `work` while holding a PostgreSQL session advisory lock, so that several instances starting
 * against one database take turns (migrations, seeding). Needs a pool of at least 2: one connection
 * holds the lock while `work` uses others.
 */
export async function withAdvisoryLock<T>(
  dataSource: DataSource,
  lockId: number,
  work: () => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [lockId]);
    return await work();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
    await runner.release();
  }
}
