import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, MigrationInterface } from 'typeorm';
import { createDataSource } from '../../src/database/data-source';
import { withClient } from './db';
import { ADMIN_DATABASE_URL } from './test-env';

export type MigrationClass = new () => MigrationInterface;
export type Db = Pick<DataSource, 'query'>;

/** What the spec does around one migration. */
export interface StepData {
  /** Writes rows that this step's schema allows (SQL valid right after its up()). */
  write(db: Db): Promise<void>;
  /**
   * For a migration whose down() refuses while data it would lose exists: the refusal's message, and how
   * to remove that data (what an operator would do) so that the revert then goes through.
   */
  refusesRevert?: { message: RegExp; clear(db: Db): Promise<void> };
}

export const MIGRATIONS_DIR = join(__dirname, '../../migrations');

/** The migration classes of a directory, in file (= timestamp) order, with their file names. */
export function loadMigrations(dir = MIGRATIONS_DIR): { file: string; cls: MigrationClass }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((file) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exported = Object.values(require(join(dir, file)) as Record<string, unknown>);
      const classes = exported.filter((v): v is MigrationClass => typeof v === 'function');
      if (classes.length !== 1) throw new Error(`${file} must export exactly one migration class`);
      return { file, cls: classes[0] };
    });
}

export const nameOf = (cls: MigrationClass) => new cls().name ?? cls.name;

/**
 * The public schema as lines of text: tables (with storage options), columns (type, nullability,
 * default), indexes, constraints, triggers, functions and sequences. TypeORM's own table is left out.
 */
export async function catalogOf(db: Db): Promise<string[]> {
  const queries = [
    `SELECT 'table ' || c.relname || ' ' || coalesce(array_to_string(c.reloptions, ','), '') AS line
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')`,
    `SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
            || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE ' NULL' END
            || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') AS line
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
    `SELECT 'index ' || indexdef AS line FROM pg_indexes WHERE schemaname = 'public'`,
    `SELECT 'constraint ' || c.relname || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid) AS line
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`,
    `SELECT 'trigger ' || pg_get_triggerdef(t.oid) AS line
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND NOT t.tgisinternal`,
    `SELECT 'function ' || p.oid::regprocedure::text || ' ' || md5(pg_get_functiondef(p.oid)) AS line
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`,
    `SELECT 'sequence ' || sequencename || ' increment ' || increment_by AS line
       FROM pg_sequences WHERE schemaname = 'public'`,
  ];
  const lines: string[] = [];
  for (const sql of queries) {
    const rows = (await db.query(sql)) as { line: string }[];
    lines.push(...rows.map((r) => r.line).filter((l) => !l.includes('typeorm_migrations')));
  }
  return lines.sort();
}

/** Rows per table of the public schema (TypeORM's own table left out). */
async function rowCounts(db: Db): Promise<Map<string, number>> {
  const tables = (await db.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'typeorm_migrations'`,
  )) as { tablename: string }[];
  const counts = new Map<string, number>();
  for (const { tablename } of tables) {
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM ${tablename}`)) as { n: number }[];
    counts.set(tablename, n);
  }
  return counts;
}

function differences(expected: string[], actual: string[]): string {
  const missing = expected.filter((l) => !actual.includes(l)).map((l) => `  missing: ${l}`);
  const extra = actual.filter((l) => !expected.includes(l)).map((l) => `  extra:   ${l}`);
  return [...missing, ...extra].join('\n');
}

/** A fresh, empty database of the given name. */
export async function freshDatabase(name: string): Promise<string> {
  await withClient(ADMIN_DATABASE_URL, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  return ADMIN_DATABASE_URL.replace(/\/postgres$/, `/${name}`);
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient(ADMIN_DATABASE_URL, (admin) =>
    admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  );
}

/** A DataSource that knows only `migrations`, as a release with exactly those would. */
async function withMigrations<T>(
  url: string,
  migrations: MigrationClass[],
  fn: (ds: DataSource) => Promise<T>,
) {
  const ds = createDataSource(url, 1);
  ds.setOptions({ migrations, entities: [] });
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

/**
 * Applies `migrations` one at a time on the empty database at `url`, writing each step's data after its
 * up(); reverts them one at a time, checking that each down() restores the catalog of the step before it
 * and loses no row of a table it keeps (a refusing down() must refuse first and change nothing); applies
 * them all again and checks the catalog is the one of the first pass. Throws what went wrong.
 */
export async function checkMigrations(
  url: string,
  migrations: MigrationClass[],
  steps: Record<string, StepData>,
): Promise<void> {
  const stepOf = (cls: MigrationClass) => {
    const step = steps[nameOf(cls)];
    if (!step) throw new Error(`${nameOf(cls)} has no entry in the migration spec's data-writer table`);
    return step;
  };
  const catalogs: string[][] = [];
  await withMigrations(url, [], async (ds) => catalogs.push(await catalogOf(ds)));

  for (let k = 1; k <= migrations.length; k++) {
    const cls = migrations[k - 1];
    await withMigrations(url, migrations.slice(0, k), async (ds) => {
      const applied = await ds.runMigrations({ transaction: 'each' });
      if (applied.map((m) => m.name).join() !== nameOf(cls)) {
        throw new Error(`step ${k} applied ${applied.map((m) => m.name).join()} instead of ${nameOf(cls)}`);
      }
      catalogs.push(await catalogOf(ds));
      await stepOf(cls).write(ds);
    });
  }

  for (let k = migrations.length; k >= 1; k--) {
    const cls = migrations[k - 1];
    const name = nameOf(cls);
    const step = stepOf(cls);
    await withMigrations(url, migrations.slice(0, k), async (ds) => {
      if (step.refusesRevert) {
        const before = await rowCounts(ds);
        const refusal = await ds.undoLastMigration({ transaction: 'all' }).then(
          () => undefined,
          (err: unknown) => (err instanceof Error ? err.message : String(err)),
        );
        if (refusal === undefined) throw new Error(`${name}.down() did not refuse while its data exists`);
        if (!step.refusesRevert.message.test(refusal)) {
          throw new Error(`${name}.down() refused with an unexpected message: ${refusal}`);
        }
        const changed = differences(catalogs[k], await catalogOf(ds));
        if (changed) throw new Error(`${name}.down() refused but changed the schema:\n${changed}`);
        const after = await rowCounts(ds);
        for (const [table, n] of before) {
          if (after.get(table) !== n) throw new Error(`${name}.down() refused but changed rows of ${table}`);
        }
        await step.refusesRevert.clear(ds);
      }
      const before = await rowCounts(ds);
      await ds.undoLastMigration({ transaction: 'all' });
      const diff = differences(catalogs[k - 1], await catalogOf(ds));
      if (diff) throw new Error(`${name}.down() did not restore the schema of the step before:\n${diff}`);
      const after = await rowCounts(ds);
      for (const [table, n] of before) {
        const left = after.get(table);
        if (left !== undefined && left < n) {
          throw new Error(`${name}.down() silently deleted ${n - left} of ${n} rows of ${table}`);
        }
      }
    });
  }

  await withMigrations(url, migrations, async (ds) => {
    const applied = await ds.runMigrations({ transaction: 'each' });
    if (applied.length !== migrations.length) throw new Error(`re-applied ${applied.length} migrations`);
    const diff = differences(catalogs[migrations.length], await catalogOf(ds));
    if (diff) throw new Error(`applying every migration again gave another schema:\n${diff}`);
  });
}
