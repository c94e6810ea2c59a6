import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { AppOverrides } from '../../src/app.module';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { resetDatabaseAt } from './db';
import { TEST_DATABASE_URL, TEST_JWT_SECRET, TEST_WEBHOOK_SECRET } from './test-env';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  dataSource: DataSource;
  /** Base URL of the listening server (127.0.0.1, random port). */
  url: string;
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

export const BASE_TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  DATABASE_URL: TEST_DATABASE_URL,
  DATABASE_POOL_SIZE: '10',
  JWT_SECRET: TEST_JWT_SECRET,
  PG_READY_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
  SEED_DEMO_DATA: 'false',
  RATE_LIMIT_ENABLED: 'false',
  LOG_LEVEL: 'silent',
};

/**
 * Starts the real application on the test database, listening on a random loopback port.
 * `env` overrides variables exactly as an operator would; `overrides` may replace the clock only.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  overrides: AppOverrides = {},
  options: { reset?: boolean } = { reset: true },
): Promise<TestApp> {
  const config = loadConfig({ ...BASE_TEST_ENV, ...env });
  // Empty the tables before the app boots, so what it creates at start-up (admin, demo data) survives.
  if (options.reset !== false) await resetDatabaseAt(config.databaseUrl!);
  const app = await createApp(config, overrides);
  await app.listen(0, '127.0.0.1');
  const dataSource = app.get(DataSource);
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    config,
    dataSource,
    url,
    http: () => request(app.getHttpServer()),
    close: () => app.close(),
  };
}
