import { DataSource, EntityManager } from 'typeorm';

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
