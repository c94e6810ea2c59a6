import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HoldServiceResult, holdService } from './hold';
import { ServerProcess, startApp } from './support/app-process';
import { resetAndSeed, SeedSpec } from './support/bench-db';
import { Row } from './support/report';
import { userTokens } from './support/tokens';

export interface EmbeddedResult {
  firstStartMs: number;
  warmStartMs: number;
  hold: HoldServiceResult;
  /** Proportional set size of the server's processes (postmaster and backends), in MB. */
  serverIdleMb: number;
  serverLoadedMb: number;
}

/**
 * The zero-configuration default: the same built service with no DATABASE_URL, so it runs on its
 * embedded PostgreSQL 18, in a fresh data directory. Measures the first start (initdb included), a warm
 * start on the same directory, the hold throughput against it and what the server adds in memory.
 */
export async function embeddedDefault(
  entry: string,
  spec: SeedSpec,
  durationSec: number,
): Promise<EmbeddedResult> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'checkout-bench-embedded-')), 'data');
  chmodSync(join(dataDir, '..'), 0o755); // reachable by the server's own user when we run as root
  const env = { DATABASE_URL: '', EMBEDDED_DATA_DIR: dataDir };
  try {
    const first = await timedStart(entry, env);
    await first.app.stop();
    const warm = await timedStart(entry, env);
    try {
      const url = embeddedUrl(dataDir);
      const seeded = await resetAndSeed({ users: spec.users, options: { hold: spec.options.hold } }, url);
      const serverIdleMb = serverPssMb(dataDir);
      const hold = await holdService(
        warm.app,
        seeded.options.hold,
        userTokens(seeded.userIds),
        durationSec,
        url,
      );
      return {
        firstStartMs: first.ms,
        warmStartMs: warm.ms,
        hold,
        serverIdleMb,
        serverLoadedMb: serverPssMb(dataDir),
      };
    } finally {
      await warm.app.stop();
    }
  } finally {
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  }
}

/** Rows beside the same hold on the system PostgreSQL, measured earlier in the same run. */
export function embeddedRows(embedded: EmbeddedResult, onSystem?: HoldServiceResult): Row[] {
  const ratio = onSystem ? embedded.hold.okPerSec / onSystem.okPerSec : NaN;
  return [
    {
      scenario: 'embedded default',
      metric: 'holds/s',
      service: embedded.hold.okPerSec,
      ceiling: onSystem?.okPerSec,
      note:
        `no DATABASE_URL (PostgreSQL 18 in npm) vs the same service on the system PostgreSQL; ` +
        `target ≥ 0.80× (${ratio >= 0.8 ? 'met' : 'not met'})`,
    },
    {
      scenario: 'embedded default',
      metric: 'p99 ms',
      service: embedded.hold.p99Ms,
      ceiling: onSystem?.p99Ms,
      note: `non-2xx ${embedded.hold.non2xx}, errors ${embedded.hold.errors}`,
    },
    {
      scenario: 'embedded default',
      metric: 'first start ms',
      service: embedded.firstStartMs,
      note: 'process start → /health/live: initdb, server start, migrations, Nest',
    },
    {
      scenario: 'embedded default',
      metric: 'warm start ms',
      service: embedded.warmStartMs,
      note: 'same data directory, after a clean stop',
    },
    {
      scenario: 'embedded default',
      metric: 'server MB idle',
      service: embedded.serverIdleMb,
      note: 'what the embedded server adds to the service: PSS of its processes, warm start, no traffic',
    },
    {
      scenario: 'embedded default',
      metric: 'server MB after load',
      service: embedded.serverLoadedMb,
      note: 'the same right after the hold load (each pool connection is a backend process)',
    },
  ];
}

async function timedStart(entry: string, env: Record<string, string>) {
  const started = Date.now();
  const app: ServerProcess = await startApp({ entry, env });
  return { app, ms: Date.now() - started };
}

/** How the service itself reaches its embedded server: the data directory's password and the server's port. */
function embeddedUrl(dataDir: string): string {
  const password = readFileSync(join(dataDir, 'password'), 'utf8').trim();
  const port = readFileSync(join(dataDir, 'cluster', 'postmaster.pid'), 'utf8').split('\n')[3];
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/checkout`;
}

/** Sum of PSS over the postmaster and its children: shared buffers counted once, not per backend. */
function serverPssMb(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'cluster', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => /^PPid:\s+(\d+)$/m.exec(readOr(`/proc/${pid}/status`))?.[1] === String(postmaster));
  const pssKb = [String(postmaster), ...children]
    .map((pid) => Number(/^Pss:\s+(\d+) kB/m.exec(readOr(`/proc/${pid}/smaps_rollup`))?.[1] ?? 0))
    .reduce((a, b) => a + b, 0);
  return pssKb / 1024;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
