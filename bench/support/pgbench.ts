import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './app-process';
import { BENCH_DATABASE, SeatRange, withBenchClient } from './bench-db';
import { percentile } from './load';

export interface PgbenchResult {
  tps: number;
  p50Ms: number;
  p99Ms: number;
  transactions: number;
  failed: number;
}

/** The newest installed PostgreSQL's pgbench (the Debian packages keep it out of PATH). */
export function findPgbench(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'pgbench')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error('pgbench not found under /usr/lib/postgresql/*/bin');
  return join(root, versions[0], 'bin', 'pgbench');
}

export interface PgbenchHoldOptions {
  seats: SeatRange;
  userIds: number[];
  clients: number;
  durationSec: number;
}

/**
 * Runs bench/pgbench-hold.sql against the bench database: `clients` connections for `durationSec`,
 * prepared statements, every transaction on the next unused seat of `seats`. Latency percentiles come
 * from pgbench's per-transaction log.
 */
export async function pgbenchHold(options: PgbenchHoldOptions): Promise<PgbenchResult> {
  await withBenchClient(async (db) => {
    await db.query('CREATE SEQUENCE IF NOT EXISTS bench_pgbench_seat_seq');
    await db.query(`SELECT setval('bench_pgbench_seat_seq', $1, false)`, [options.seats.first]);
  });
  const logDir = mkdtempSync(join(tmpdir(), 'pgbench-hold-'));
  try {
    const args = [
      '-h', '127.0.0.1', '-U', 'postgres', '-n', '-M', 'prepared',
      '-c', String(options.clients), '-j', '2', '-T', String(options.durationSec),
      '-f', join(REPO_ROOT, 'bench', 'pgbench-hold.sql'),
      '-D', `user_first=${Math.min(...options.userIds)}`, '-D', `user_last=${Math.max(...options.userIds)}`,
      '-l', '--log-prefix', join(logDir, 'tx'),
      BENCH_DATABASE,
    ]; // prettier-ignore
    const output = await run(findPgbench(), args, (options.durationSec + 60) * 1000);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1]);
    const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0);
    if (!Number.isFinite(tps)) throw new Error(`could not read pgbench output:\n${output}`);
    const latenciesMs: number[] = [];
    for (const file of readdirSync(logDir)) {
      for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
        const micros = Number(line.split(' ')[2]);
        if (Number.isFinite(micros) && line) latenciesMs.push(micros / 1000);
      }
    }
    return {
      tps,
      p50Ms: percentile(latenciesMs, 50),
      p99Ms: percentile(latenciesMs, 99),
      transactions: latenciesMs.length,
      failed,
    };
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
}

/** Runs a command to completion (killed by PID after timeoutMs) and returns stdout + stderr. */
function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
}
