/*
 * `npm run migration:run`: applies pending migrations to DATABASE_URL, or to the embedded database.
 * `npm run migration:show` (`--show`): lists them instead, applied or pending, and any applied migration
 * this code does not know (a newer release's: revert it with that release's code, docs/operations.md).
 * `npm run migration:revert` (`--revert`): reverts the newest applied migration.
 * With the embedded database, stop the service first: its data directory is locked while it runs.
 */
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { environment } from '../src/config/env-file';
import { createDataSource } from '../src/database/data-source';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { withAdvisoryLock } from '../src/database/advisory-lock';
import { MIGRATION_LOCK_ID, runMigrations } from '../src/database/migrate';

async function show(dataSource: DataSource): Promise<void> {
  const known = dataSource.migrations.map((m) => m.name ?? m.constructor.name);
  const table = (await dataSource.query(`SELECT to_regclass('typeorm_migrations') IS NOT NULL AS ok`)) as {
    ok: boolean;
  }[];
  const applied = table[0].ok
    ? ((await dataSource.query(`SELECT name FROM typeorm_migrations ORDER BY timestamp, id`)) as {
        name: string;
      }[])
    : [];
  const appliedNames = new Set(applied.map((a) => a.name));
  for (const name of known) console.log(`${appliedNames.has(name) ? '[X]' : '[ ]'} ${name}`);
  for (const { name } of applied.filter((a) => !known.includes(a.name))) {
    console.log(`[?] ${name} (applied, unknown to this code: a newer release's)`);
  }
  const pending = known.filter((n) => !appliedNames.has(n)).length;
  console.log(`${appliedNames.size} applied, ${pending} pending`);
}

async function main(): Promise<void> {
  const config = loadConfig(environment());
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.embeddedDataDir);
  const dataSource = createDataSource(config.databaseUrl ?? embedded!.url, 2);
  await dataSource.initialize();
  try {
    if (process.argv.includes('--show')) {
      await show(dataSource);
    } else if (process.argv.includes('--revert')) {
      // One migration, the newest applied, in one transaction: a down() that refuses changes nothing.
      await withAdvisoryLock(dataSource, MIGRATION_LOCK_ID, () =>
        dataSource.undoLastMigration({ transaction: 'all' }),
      );
      console.log('reverted the newest migration; `npm run migration:show` lists what is applied');
    } else {
      const applied = await runMigrations(dataSource);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    }
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
