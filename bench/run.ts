/*
 * `npm run bench`: how close the service is to this machine's limits, in one run on one machine.
 * Measures the ceilings beside the service (pgbench for the hold, bare node:http for a trivial route),
 * prints one table of ratios, runs the other issues' benchmarks (expiry, webhook, push), then records every
 * table in bench/RESULTS.md under one dated heading.
 *
 *   npm run bench -- [--duration 10] [--only hold,framework,hot-seat,checkout,embedded,children] [--profile]
 *                    [--no-record] [--no-children]
 * --only runs a subset and records nothing; --profile adds a CPU profile of the hold endpoint.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkout, CHECKOUT_USERS } from './checkout';
import { embeddedDefault, embeddedRows } from './embedded';
import { framework, TRIVIAL_CONNECTIONS } from './framework';
import { holdCeiling, holdService, HoldServiceResult, HOLD_CONNECTIONS, PGBENCH_CLIENTS } from './hold';
import { hotSeat, HOT_SEAT_ATTEMPTS, HOT_SEATS } from './hot-seat';
import { buildApp, REPO_ROOT, ServerProcess, startApp } from './support/app-process';
import {
  createBenchDatabase,
  resetAndSeed,
  Seeded,
  SeedSpec,
  serverVersion,
  withBenchClient,
} from './support/bench-db';
import { runChildBench } from './support/child-bench';
import { profilerPreload, topSelfTime } from './support/cpu-profile';
import { PgbenchResult } from './support/pgbench';
import { machine, markdownTable, recordResults, Row, textTable, today } from './support/report';
import { userTokens } from './support/tokens';

/** The other issues' benchmarks, with defaults; what each table measures, for bench/RESULTS.md. */
const CHILD_BENCHES = [
  {
    file: 'expiry.ts',
    what: 'hold expiry: 10,000 holds due, 2 app instances, outbox relay on; lateness = commit of EXPIRED − deadline',
  },
  {
    file: 'webhook.ts',
    what: 'signed PG webhooks through the app, 16 connections; ceilings: /health/live and bare HMAC verification',
  },
  {
    file: 'push.ts',
    what: '1,000 socket.io clients; latency = receipt on the socket − commit of the outbox row',
  },
];
const CHILD_TIMEOUT_SEC = 300;
const HOT_SEAT_ROUNDS = 6;
const STARTUP_RSS_AFTER_MS = 3_000;
const IDLE_AFTER_MS = 30_000;
const USERS = 1000;

interface Args {
  durationSec: number;
  only?: Set<string>;
  profile: boolean;
  record: boolean;
  children: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { durationSec: 10, profile: false, record: true, children: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--duration') args.durationSec = Math.max(1, Number(argv[++i]));
    else if (argv[i] === '--only') args.only = new Set(argv[++i].split(','));
    else if (argv[i] === '--profile') args.profile = true;
    else if (argv[i] === '--no-record') args.record = false;
    else if (argv[i] === '--no-children') args.children = false;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

/** Generous seat counts: running out would turn holds into 404s. */
function seedSpec(durationSec: number): SeedSpec {
  return {
    users: USERS,
    options: {
      hold: 6000 * (durationSec + 3),
      pgbench: 8000 * durationSec,
      hot: HOT_SEAT_ROUNDS * HOT_SEATS,
      checkout: 1500 * durationSec,
      profile: 6000 * 8,
    },
  };
}

const log = (line: string) => console.log(`[bench] ${line}`);

/**
 * RSS just after start-up and once idle. V8's memory reducer hands back the start-up garbage only after
 * some seconds of low allocation (seen here: ≈ 140 MB at 3 s, 110–116 MB from 10–20 s on), so the idle
 * figure is read IDLE_AFTER_MS after the app is ready.
 */
async function idleMemory(app: ServerProcess): Promise<{ startupMb: number; idleMb: number }> {
  await sleep(STARTUP_RSS_AFTER_MS);
  const startupMb = app.memory().rssMb;
  await sleep(IDLE_AFTER_MS - STARTUP_RSS_AFTER_MS);
  return { startupMb, idleMb: app.memory().rssMb };
}

/** The relay publishes every hold's events after commit; let it finish before the next scenario runs. */
async function waitOutboxDrained(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pending = await withBenchClient(
      async (db) =>
        (
          await db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL',
          )
        ).rows[0].n,
    );
    if (pending === 0) return;
    await sleep(250);
  }
  log('note: outbox not drained after 60 s; continuing');
}

async function ceilingRun(
  spec: SeedSpec,
  durationSec: number,
  label: string,
  clients = PGBENCH_CLIENTS,
): Promise<PgbenchResult> {
  const seeded = await resetAndSeed(spec);
  const result = await holdCeiling(seeded.options.pgbench, seeded.userIds, durationSec, clients);
  log(
    `pgbench hold (${label}): ${result.tps.toFixed(0)} tx/s, p99 ${result.p99Ms.toFixed(1)} ms, ${result.failed} failed`,
  );
  return result;
}

async function profileHold(entry: string, seeded: Seeded, tokens: string[]): Promise<string> {
  const { preload, profilePath } = profilerPreload();
  const app = await startApp({ entry, nodeArgs: ['-r', preload], env: { BENCH_CPU_PROFILE: profilePath } });
  try {
    process.kill(app.pid, 'SIGUSR2');
    await sleep(500);
    const load = await holdService(app, seeded.options.profile, tokens, 6);
    process.kill(app.pid, 'SIGUSR2');
    const deadline = Date.now() + 15_000;
    const { existsSync } = await import('node:fs');
    while (!existsSync(profilePath) && Date.now() < deadline) await sleep(200);
    const { functions, areas } = topSelfTime(profilePath, 15);
    return [
      `CPU profile of the app during 6 s of POST /holds (${load.okPerSec.toFixed(0)} holds/s under the profiler): ${profilePath}`,
      'top self time by function:',
      ...functions.map((f) => `  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`),
      'self time by package/area:',
      ...areas.map((a) => `  ${a.selfPct.toFixed(1).padStart(5)}%  ${a.name}`),
    ].join('\n');
  } finally {
    await app.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const want = (name: string) => !args.only || args.only.has(name);
  const d = args.durationSec;
  const spec = seedSpec(d);
  const rows: Row[] = [];
  const notes: string[] = [];

  const loadAtStart = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  log(`machine: ${machine()}; load average ${loadAtStart}`);
  await createBenchDatabase();
  const postgres = await serverVersion();
  log(`bench database migrated (PostgreSQL ${postgres}); building the app`);
  const entry = buildApp();

  // The ceiling is measured before and after the service (the app stopped, so its outbox relay cannot
  // publish pgbench's events), and the mean is the figure the service is compared with.
  let ceilingBefore: PgbenchResult | undefined;
  if (want('hold')) ceilingBefore = await ceilingRun(spec, d, 'before');

  const seeded = await resetAndSeed(spec);
  const tokens = userTokens(seeded.userIds);
  const app = await startApp({ entry });
  log(`app started (pid ${app.pid}) at ${app.url}`);
  let hold: HoldServiceResult | undefined;
  try {
    const { startupMb, idleMb } = await idleMemory(app);
    log(`RSS ${startupMb.toFixed(0)} MB after start-up, ${idleMb.toFixed(0)} MB idle`);
    rows.push(
      {
        scenario: 'memory',
        metric: 'RSS idle MB',
        service: idleMb,
        note: `target < 150 MB; ${IDLE_AFTER_MS / 1000} s after start, no traffic`,
      },
      {
        scenario: 'memory',
        metric: 'RSS after start-up MB',
        service: startupMb,
        note: `${STARTUP_RSS_AFTER_MS / 1000} s after start, before V8 gave the start-up garbage back`,
      },
    );

    if (want('hold')) {
      hold = await holdService(app, seeded.options.hold, tokens, d);
      log(
        `hold: ${hold.okPerSec.toFixed(0)} holds/s, p99 ${hold.p99Ms} ms, non-2xx ${hold.non2xx}, ` +
          `errors ${hold.errors}, 201s ${hold.created} vs HOLD rows ${hold.rowsInDb}`,
      );
      if (hold.non2xx || hold.errors) {
        notes.push(`hold: ${hold.non2xx} non-2xx, ${hold.errors} errors ${JSON.stringify(hold.statusCodes)}`);
      }
      await waitOutboxDrained();
    }

    if (want('framework')) {
      const fw = await framework(app, d);
      log(
        `/health/live ${fw.service.okPerSec.toFixed(0)} req/s vs bare node:http ${fw.bare.okPerSec.toFixed(0)} req/s`,
      );
      rows.push({
        scenario: 'trivial route',
        metric: 'req/s',
        service: fw.service.okPerSec,
        ceiling: fw.bare.okPerSec,
        note: `GET /health/live vs bare node:http, ${TRIVIAL_CONNECTIONS} conn`,
      });
      rows.push({
        scenario: 'trivial route',
        metric: 'p99 ms',
        service: fw.service.p99Ms,
        ceiling: fw.bare.p99Ms,
      });
    }

    if (want('hot-seat')) {
      const hot = await hotSeat(app, seeded.options.hot, tokens, HOT_SEAT_ROUNDS);
      log(
        `hot seat: ${hot.attemptsPerSec.toFixed(0)} attempts/s, exact: ${hot.exact} ${hot.problems.join('; ')}`,
      );
      rows.push({
        scenario: 'hot seat',
        metric: 'attempts/s',
        service: hot.attemptsPerSec,
        note:
          `${HOT_SEAT_ATTEMPTS} at once on ${HOT_SEATS} seats × ${hot.rounds} rounds; exactly ${HOT_SEATS} winners: ` +
          (hot.exact ? 'yes' : `NO (${hot.problems.join('; ')})`),
      });
    }

    if (want('checkout')) {
      const co = await checkout(app, seeded.options.checkout, tokens, d);
      log(
        `checkout: ${co.checkoutsPerSec.toFixed(0)}/s, p99 ${co.p99Ms.toFixed(1)} ms, failures ${co.failures}`,
      );
      rows.push({
        scenario: 'checkout',
        metric: 'checkouts/s',
        service: co.checkoutsPerSec,
        note: `${CHECKOUT_USERS} users, hold → paying → confirm (mock); ${co.failures} failures`,
      });
      rows.push({ scenario: 'checkout', metric: 'p99 ms', service: co.p99Ms, note: 'whole 3-call flow' });
      if (co.firstFailure) notes.push(`checkout: first failure ${co.firstFailure}`);
      await waitOutboxDrained();
    }

    const peak = app.memory();
    rows.push({
      scenario: 'memory',
      metric: 'RSS peak MB',
      service: peak.peakMb,
      note: 'VmHWM over every scenario above',
    });
  } finally {
    await app.stop();
  }

  if (want('embedded')) {
    const embedded = await embeddedDefault(entry, spec, d);
    log(
      `embedded: ${embedded.hold.okPerSec.toFixed(0)} holds/s, p99 ${embedded.hold.p99Ms} ms; first start ` +
        `${embedded.firstStartMs} ms, warm ${embedded.warmStartMs} ms; server ${embedded.serverLoadedMb.toFixed(0)} MB`,
    );
    rows.push(...embeddedRows(embedded, hold));
  }

  if (hold && ceilingBefore) {
    const ceilingAfter = await ceilingRun(spec, d, 'after');
    const sameConcurrency = await ceilingRun(spec, d, `${HOLD_CONNECTIONS} clients`, HOLD_CONNECTIONS);
    const ceilingTps = (ceilingBefore.tps + ceilingAfter.tps) / 2;
    const ceilingP99 = (ceilingBefore.p99Ms + ceilingAfter.p99Ms) / 2;
    const ratio = hold.okPerSec / ceilingTps;
    rows.unshift(
      {
        scenario: 'hold',
        metric: 'holds/s',
        service: hold.okPerSec,
        ceiling: ceilingTps,
        note:
          `target ≥ 0.80× (${ratio >= 0.8 ? 'met' : 'not met'}); pgbench before/after ` +
          `${ceilingBefore.tps.toFixed(0)}/${ceilingAfter.tps.toFixed(0)} tx/s`,
      },
      {
        scenario: 'hold',
        metric: 'p99 ms',
        service: hold.p99Ms,
        ceiling: ceilingP99,
        note:
          `target < 50 ms (${hold.p99Ms < 50 ? 'met' : 'not met'}); ` +
          `${HOLD_CONNECTIONS} HTTP conn vs ${PGBENCH_CLIENTS} pgbench clients`,
      },
      {
        scenario: 'hold',
        metric: `holds/s, ${HOLD_CONNECTIONS} conn`,
        service: hold.okPerSec,
        ceiling: sameConcurrency.tps,
        note: `pgbench with ${HOLD_CONNECTIONS} clients: the database alone at the service's concurrency`,
      },
      {
        scenario: 'hold',
        metric: `p99 ms, ${HOLD_CONNECTIONS} conn`,
        service: hold.p99Ms,
        ceiling: sameConcurrency.p99Ms,
        note: `p50 ${hold.p50Ms} ms vs pgbench p50 ${sameConcurrency.p50Ms.toFixed(1)} ms`,
      },
      {
        scenario: 'hold',
        metric: 'app CPU ms/hold',
        service: hold.cpuMsPerHold,
        note: 'the service process only (user+sys); steadier than holds/s on a busy machine',
      },
    );
  }

  if (args.profile) {
    const seededProfile = await resetAndSeed(spec);
    notes.push(await profileHold(entry, seededProfile, userTokens(seededProfile.userIds)));
  }

  const heading = `### ${today()} — ${machine()}, PostgreSQL ${postgres}`;
  console.log(`\n${heading}\n\n${textTable(rows)}\n`);
  for (const note of notes) console.log(note);

  const childSections: string[] = [];
  if (want('children') && args.children) {
    for (const { file, what } of CHILD_BENCHES) {
      log(`running bench/${file} (bounded to ${CHILD_TIMEOUT_SEC} s)`);
      const outcome = await runChildBench(file, CHILD_TIMEOUT_SEC, ['--no-record']);
      if (outcome.status === 'missing') log(`bench/${file} does not exist yet; skipped`);
      else log(`bench/${file}: ${outcome.status} after ${outcome.seconds.toFixed(0)} s`);
      if (outcome.table)
        childSections.push(`#### bench/${file} (${outcome.status}): ${what}\n\n${outcome.table}`);
    }
  }

  if (args.record && !args.only) {
    const run = [
      `${heading}\n\n${markdownTable(rows)}`,
      `${d} s per scenario; ratio = service / ceiling; load average at start ${loadAtStart} ` +
        `(other work on the machine shows up in every absolute figure).`,
      ...childSections,
    ].join('\n\n');
    recordResults(join(REPO_ROOT, 'bench', 'RESULTS.md'), run);
    log('recorded in bench/RESULTS.md');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
