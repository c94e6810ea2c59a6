import { ConfigValidationError, loadConfig } from './config/app-config';
import { createApp } from './app.factory';
import { startEmbeddedPostgres } from './database/embedded-postgres';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(config.embeddedDataDir, config.databasePoolSize + 5);
  if (embedded) {
    config.databaseUrl = embedded.url;
    console.log(`embedded PostgreSQL (PGlite) serving ${config.embeddedDataDir} at ${embedded.url}`);
  }
  const app = await createApp(config);
  if (embedded) process.once('exit', () => void embedded.stop());
  await app.listen(config.port, '0.0.0.0');
  console.log(`checkout service listening on http://127.0.0.1:${config.port} (docs: /docs)`);
}

void bootstrap();
