import type { Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

type Queryable = Pick<EntityManager | DataSource, 'query'>;

/**
 * Runs one statement and returns its rows. TypeORM answers UPDATE/DELETE with `[rows, rowCount]` and
 * everything else with `rows`; this hides the difference so `... RETURNING` reads the same everywhere.
 */
export async function queryRows<T>(db: Queryable, text: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await db.query(text, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

export async function queryOne<T>(
  db: Queryable,
  text: string,
  params: unknown[] = [],
): Promise<T | undefined> {
  return (await queryRows<T>(db, text, params))[0];
}

/**
 * For the hottest statements only (a hold): runs `text` as a named prepared statement straight on the pg
 * pool, outside any transaction. PostgreSQL parses and plans it once per connection instead of on every
 * call, and TypeORM's query-runner bookkeeping is skipped. Errors are pg's own (same SQLSTATE `code`).
 */
export async function preparedRows<T>(
  dataSource: DataSource,
  statement: { name: string; text: string; values: unknown[] },
): Promise<T[]> {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  return (await pool.query(statement)).rows as T[];
}
