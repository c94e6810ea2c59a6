/* `npm run migration:run`: applies pending migrations to DATABASE_URL, or to the embedded database. */
import { loadConfig } from '../src/config/app-config';
import { environment } from '../src/config/env-file';
import { createDataSource } from '../src/database/data-source';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrations } from '../src/database/migrate';

async function main(): Promise<void> {
  const config = loadConfig(environment());
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.embeddedDataDir);
  const dataSource = createDataSource(config.databaseUrl ?? embedded!.url, 2);
  await dataSource.initialize();
  try {
    const applied = await runMigrations(dataSource);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
