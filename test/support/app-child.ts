import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { freePort, OwnedProcess } from '../../support/processes';
import { TestApp } from './test-app';
import { TEST_DATABASE_URL, TEST_JWT_SECRET, TEST_WEBHOOK_SECRET } from './test-env';
import { until } from './wait';

const ROOT = join(__dirname, '..', '..');
const ENTRY = join(ROOT, 'dist', 'main.js');

export interface AppChild {
  proc: OwnedProcess;
  url: string;
}

/**
 * The built service (`node dist/main.js`, which `npm test` builds first) in a process of its own, as an
 * operator starts it, on the test database unless `env` says otherwise (`DATABASE_URL: ''` is the
 * embedded default). The test owns its PID: it may SIGKILL it mid-request. Resolves once /health/ready
 * answers 200, or, with `mayRefuse`, once the process has exited during start-up (a refusal to check).
 * `detached` makes it lead a process group of its own, as a shell's foreground job does (Ctrl-C signals
 * the whole group).
 */
export async function startAppChild(
  env: Record<string, string> = {},
  options: { mayRefuse?: boolean; port?: number; detached?: boolean } = {},
): Promise<AppChild> {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build first (npm test does)`);
  const port = options.port ?? (await freePort());
  const proc = OwnedProcess.start(process.execPath, [ENTRY], {
    cwd: ROOT,
    detached: options.detached ?? false,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
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
  });
  const url = `http://127.0.0.1:${port}`;
  await until(
    async () => !proc.running || (await fetch(`${url}/health/ready`)).ok,
    60_000,
    'the app process to be ready',
  ).catch(async (err) => {
    await proc.stop('SIGKILL');
    throw new Error(`${String(err)}\n${proc.tail}`);
  });
  if (!proc.running && !options.mayRefuse) throw new Error(`app exited during start-up:\n${proc.tail}`);
  return { proc, url };
}

/** Lets the factories (createUser, createOption, …) drive a child process over HTTP. */
export function asTestApp(child: Pick<AppChild, 'url'>, dataSource: DataSource): TestApp {
  return {
    url: child.url,
    dataSource,
    http: () => request(child.url),
  } as unknown as TestApp;
}
