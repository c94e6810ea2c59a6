import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../support/app-process';
import { userTokens } from '../support/tokens';
import { Scenario } from '../support/runner';
import { holdLoad, holdSeats } from './hold';

/**
 * The zero-configuration default: the same built service with no DATABASE_URL, so it runs on its embedded
 * PostgreSQL 18, in a fresh data directory. Measures the first start (initdb included), a warm start on the
 * same directory, the hold against it beside the hold on the system PostgreSQL measured earlier in the same
 * run, and what the server adds in memory.
 */
export const embedded: Scenario = {
  name: 'embedded',
  async run(ctx) {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'checkout-bench-embedded-')), 'data');
    chmodSync(join(dataDir, '..'), 0o755); // reachable by the server's own user when we run as root
    const env = { DATABASE_URL: '', EMBEDDED_DATA_DIR: dataDir };
    const timedStart = async () => {
      const started = Date.now();
      return { app: await startApp({ entry: ctx.entry(), env }), ms: Date.now() - started };
    };
    try {
      const first = await timedStart();
      await first.app.stop();
      const warm = await timedStart();
      try {
        const url = embeddedUrl(dataDir);
        const seeded = await ctx.seed({ hold: holdSeats(ctx.args.duration) }, url);
        const idleMb = serverPssMb(dataDir);
        const h = await holdLoad(
          warm.app,
          seeded.options.hold,
          userTokens(seeded.userIds),
          ctx.args.duration,
          url,
        );
        const loadedMb = serverPssMb(dataDir);
        const onSystem = ctx.holdOnSystem;
        const met = !onSystem
          ? 'no system hold this run'
          : h.okPerSec / onSystem.okPerSec >= 0.8
            ? 'met'
            : 'not met';
        ctx.log(
          `embedded: ${h.okPerSec.toFixed(0)} holds/s, p99 ${h.p99Ms} ms; first start ${first.ms} ms, ` +
            `warm ${warm.ms} ms; server ${loadedMb.toFixed(0)} MB`,
        );
        const row = (metric: string, service: number, note: string, ceiling?: number) => ({
          scenario: 'embedded default',
          metric,
          service,
          ceiling,
          note,
        });
        return [
          row(
            'holds/s',
            h.okPerSec,
            `no DATABASE_URL (PostgreSQL 18 in npm) vs the same service on the system PostgreSQL; target ≥ 0.80× (${met})`,
            onSystem?.okPerSec,
          ),
          row('p99 ms', h.p99Ms, `non-2xx ${h.non2xx}, errors ${h.errors}`, onSystem?.p99Ms),
          row(
            'first start ms',
            first.ms,
            'process start → /health/live: initdb, server start, migrations, Nest',
          ),
          row('warm start ms', warm.ms, 'same data directory, after a clean stop'),
          row(
            'server MB idle',
            idleMb,
            'what the embedded server adds: PSS of its processes, warm start, no traffic',
          ),
          row(
            'server MB after load',
            loadedMb,
            'the same right after the hold load (a backend per pool connection)',
          ),
        ];
      } finally {
        await warm.app.stop();
      }
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  },
};

/** How the service itself reaches its embedded server: the data directory's password and the server's port. */
function embeddedUrl(dataDir: string): string {
  const password = readFileSync(join(dataDir, 'password'), 'utf8').trim();
  const port = readFileSync(join(dataDir, 'cluster', 'postmaster.pid'), 'utf8').split('\n')[3];
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/checkout`;
}

/** Sum of PSS over the postmaster and its children: shared buffers counted once, not per backend. */
function serverPssMb(dataDir: string): number {
  const postmaster = readFileSync(join(dataDir, 'cluster', 'postmaster.pid'), 'utf8').split('\n')[0];
  const children = readdirSync('/proc').filter(
    (pid) => /^\d+$/.test(pid) && /^PPid:\s+(\d+)$/m.exec(readOr(`/proc/${pid}/status`))?.[1] === postmaster,
  );
  const pssKb = [postmaster, ...children]
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
