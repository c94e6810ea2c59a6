import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../support/processes';
import { BENCH_DATABASE_URL } from './bench-db';

export const REPO_ROOT = join(__dirname, '..', '..');
/**
 * Private build outputs: `dist/` belongs to `npm run build` and to whoever is using it right now.
 * Under node_modules so the compiled files resolve packages from the repo's node_modules.
 */
const BUILD_ROOT = join(REPO_ROOT, 'node_modules', '.cache', 'checkout-bench');
export const BENCH_JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256';

/**
 * Compiles src/ + migrations/ with tsc (emits even if someone's work in progress has a type error; that
 * is the lint's business, not the benchmark's) and returns the entry file. Each build goes to its own
 * directory named after the newest source change, written under a temporary name and renamed when
 * complete: benchmarks running side by side never start an app from half-written files, and an
 * unchanged tree is not rebuilt.
 */
export function buildApp(): string {
  const stamp = Math.floor(newestMtime(['src', 'migrations']));
  const dir = join(BUILD_ROOT, `b${stamp}`);
  const entry = join(dir, 'src', 'main.js');
  if (existsSync(entry)) return entry;
  const tmp = join(BUILD_ROOT, `tmp-${process.pid}-${Date.now()}`);
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', tmp, '--sourceMap', 'false'],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 },
  );
  if (!existsSync(join(tmp, 'src', 'main.js'))) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  if (result.status !== 0) {
    console.warn(`  note: tsc reported type errors (emitted anyway):\n${result.stdout.slice(0, 1500)}`);
  }
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another benchmark finished the same build first
  }
  pruneOldBuilds(dir);
  return entry;
}

/** Keeps the three newest builds (an older one may still be serving a benchmark that is running). */
function pruneOldBuilds(keep: string): void {
  const builds = readdirSync(BUILD_ROOT)
    .filter((name) => /^b\d+$/.test(name))
    .sort((a, b) => Number(b.slice(1)) - Number(a.slice(1)))
    .map((name) => join(BUILD_ROOT, name));
  for (const old of builds.slice(3)) if (old !== keep) rmSync(old, { recursive: true, force: true });
}

function newestMtime(dirs: string[]): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of dirs) walk(join(REPO_ROOT, dir));
  return newest;
}

/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every Linux we run on). */
const CLOCK_TICKS_PER_SEC = 100;

/**
 * Everything the benchmarks started and have to stop. Each scenario stops its own processes; when one
 * fails or runs out of time, the runner stops whatever it left behind, each by its own PID.
 */
const owned = new Set<{ stop(): Promise<void> }>();

export function own<T extends { stop(): Promise<void> }>(thing: T): T {
  owned.add(thing);
  return thing;
}

export async function stopOwned(): Promise<void> {
  const all = [...owned];
  owned.clear();
  await Promise.all(all.map((thing) => thing.stop().catch(() => undefined)));
}

export interface Memory {
  /** Resident set now (VmRSS) and its high-water mark since start (VmHWM), in MB. */
  rssMb: number;
  peakMb: number;
}

/** A child process serving HTTP on 127.0.0.1; stopped by its PID only. */
export class ServerProcess {
  private exited: Promise<void>;
  private stderrTail = '';
  /** VmHWM read just before the process was stopped (its /proc entry is gone afterwards). */
  peakMbAtStop = NaN;

  constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    own(this);
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  memory(): Memory {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  }

  /**
   * CPU time the process has used (user + system), in ms. Per request, this is the figure that survives
   * a busy shared machine: throughput depends on the share of the CPU the scheduler gives the process.
   */
  cpuMs(): number {
    const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SEC;
  }

  /** Waits until `path` answers 200, or fails with the child's stderr. */
  async waitReady(path: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.isRunning) throw new Error(`server exited during start-up:\n${this.stderrTail}`);
      const ok = await fetch(this.url + path)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      await sleep(200);
    }
    await this.stop();
    throw new Error(`server not ready after ${timeoutMs} ms:\n${this.stderrTail}`);
  }

  /** SIGTERM (a graceful shutdown, as an orchestrator stops it), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (!this.isRunning) return;
    try {
      this.peakMbAtStop = this.memory().peakMb;
    } catch {
      // exiting already: no peak to read
    }
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.isRunning && this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The node flags of `npm start` (`node <flags> dist/main.js` in package.json): the service runs with them. */
export const SERVICE_NODE_FLAGS = ((): string[] => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const flags = /\bnode((?: -\S+)*) dist\/main\.js/.exec(pkg.scripts.start)?.[1];
  if (flags === undefined) throw new Error('package.json "start" does not run `node [flags] dist/main.js`');
  return flags.split(' ').filter(Boolean);
})();

export interface AppOptions {
  entry: string;
  env?: Record<string, string>;
  /** Extra node flags, e.g. ['-r', preload] for the CPU profile. */
  nodeArgs?: string[];
  /** Appends the service's stdout (its JSON log, LOG_LEVEL warn) to this file instead of dropping it. */
  logFile?: string;
}

/** The real service as an operator starts it (`node dist/main.js`), on the bench database. */
export async function startApp(options: AppOptions): Promise<ServerProcess> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: BENCH_DATABASE_URL,
    JWT_SECRET: BENCH_JWT_SECRET,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_ENABLED: 'false',
    MAX_ACTIVE_HOLDS_PER_USER: '0',
    // Nothing may expire in the middle of a scenario.
    HOLD_TTL_SECONDS: '3600',
    SEED_DEMO_DATA: 'false',
    PAYMENT_PROVIDER: 'mock',
    MOCK_PAYMENT_OUTCOME: 'approve',
    ...options.env,
  };
  const log = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...(options.nodeArgs ?? []), options.entry], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', log, 'pipe'],
  });
  if (typeof log === 'number') closeSync(log); // the child has its own copy
  const app = new ServerProcess(child, `http://127.0.0.1:${port}`);
  await app.waitReady('/health/live');
  return app;
}

/** The framework-free baseline: node:http answering the same JSON as /health/live. */
export async function startBareServer(): Promise<ServerProcess> {
  const port = await freePort();
  const source = `
    require('node:http').createServer((req, res) => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end('{"status":"ok"}');
    }).listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'ignore', 'pipe'] });
  const server = new ServerProcess(child, `http://127.0.0.1:${port}`);
  await server.waitReady('/');
  return server;
}
