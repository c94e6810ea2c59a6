import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in one READ COMMITTED transaction. Callers must not do network I/O inside it
 * (gateway calls, pushes): record intent, commit, call out, record the outcome in a new transaction.
 */
export function inTransaction<T>(
  dataSource: DataSource,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction('READ COMMITTED', work);
}
