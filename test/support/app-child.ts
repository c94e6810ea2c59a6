import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { freePort, OwnedProcess } from './child-process';
import { until } from './wait';
import { TestApp } from './test-app';
import { TEST_DATABASE_URL, TEST_JWT_SECRET, TEST_WEBHOOK_SECRET } from './test-env';

const ROOT = join(__dirname, '..', '..');

export interface AppChild {
  proc: OwnedProcess;
  url: string;
}

/**
 * The real service in a process of its own, as an operator starts it (src/main.ts through ts-node, so no
 * build is needed), on the test database. The test owns its PID: it may SIGKILL it mid-request.
 */
export async function startAppChild(env: Record<string, string> = {}): Promise<AppChild> {
  const port = await freePort();
  const proc = OwnedProcess.start(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: String(port),
        DATABASE_URL: TEST_DATABASE_URL,
        JWT_SECRET: TEST_JWT_SECRET,
        PG_READY_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
        SEED_DEMO_DATA: 'false',
        RATE_LIMIT_ENABLED: 'false',
        LOG_LEVEL: 'warn',
        ...env,
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await until(
    async () => !proc.running || (await fetch(`${url}/health/live`)).ok,
    30_000,
    'the app process to listen',
  ).catch(async (err) => {
    await proc.stop('SIGKILL');
    throw new Error(`${String(err)}\n${proc.tail}`);
  });
  if (!proc.running) throw new Error(`app exited during start-up:\n${proc.tail}`);
  return { proc, url };
}

/** Lets the factories (createUser, createOption, …) drive a child process over HTTP. */
export function asTestApp(child: AppChild, dataSource: DataSource): TestApp {
  return {
    url: child.url,
    dataSource,
    http: () => request(child.url),
  } as unknown as TestApp;
}
