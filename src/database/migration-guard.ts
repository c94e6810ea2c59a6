import { QueryRunner } from 'typeorm';

/** Data a migration's down() would destroy, found by a query that counts it. */
export interface LosableData {
  /** What would be lost, for the operator: "sales policies". */
  what: string;
  /** A query answering one row with a column `n`: how many rows would be lost. */
  count: string;
}

/**
 * Called first in a down() that cannot revert without losing data: it throws, before the down() changes
 * anything, while any such data exists, and names it, so that an operator decides what happens to it
 * (export it, delete it, or roll the code forward instead: docs/operations.md) and reverts again.
 */
export async function refuseRevertWhileDataExists(
  q: QueryRunner,
  migration: string,
  data: LosableData[],
): Promise<void> {
  const found: string[] = [];
  for (const { what, count } of data) {
    const [{ n }] = (await q.query(count)) as { n: number | string }[];
    if (Number(n) > 0) found.push(`${n} ${what}`);
  }
  if (found.length > 0) {
    throw new Error(
      `${migration} cannot be reverted without losing data: ${found.join(', ')}. Nothing was changed. ` +
        `Keep the schema and roll the code forward, or remove that data yourself and revert again.`,
    );
  }
}
