/**
 * Hold expiry: 10,000 holds due (a) within the same second, (b) at the same millisecond, expired by
 * application instances running as child processes (bench/support/expiry-worker.ts) that share PostgreSQL and
 * Redis. Holds are written with SQL and queued through each app's EXPIRY_QUEUE (no HTTP). Per run: lateness
 * (commit of EXPIRED − holdExpiresAt, seen by the committing instance; expired_at − hold_expires_at from the
 * rows), exactly-once counts from the database and the instances, and each instance's peak RSS.
 *
 *   npm run bench -- --only expiry [--runs 3] [--instances 2] [--relay off] [--scenario a|b] [--no-warm-up]
 *                                  [--quiet-load 1.5 --quiet-wait 120] [--no-record]
 */
import { ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Client } from 'pg';
import type { WorkerMessage, WorkerReport, WorkerRequest } from '../support/expiry-worker';
import { own } from '../support/app-process';
import { Args } from '../support/args';
import { ADMIN_DATABASE_URL, recreateBenchDatabase, REDIS_URLS } from '../support/bench-db';
import { percentile } from '../support/load';
import { Row } from '../support/report';
import { BenchContext, Scenario } from '../support/runner';

export const HOLDS = 10_000;
/** Arbitrary constant: the advisory lock that keeps two runs of this bench apart. */
const BENCH_LOCK_ID = 727274013;
/** Time between writing the holds and the first deadline: enough to insert and queue 10,000 of them. */
const LEAD_MS = 4000;
const DRAIN_TIMEOUT_MS = 30_000;
const DEADLINES = [
  { key: 'a', due: (i: number, t0: number) => t0 + Math.floor((i * 1000) / HOLDS) },
  { key: 'b', due: (_: number, t0: number) => t0 },
];
type Deadlines = (typeof DEADLINES)[number];

interface Worker {
  next: (type: WorkerMessage['type']) => Promise<WorkerMessage>;
  send: (req: WorkerRequest) => void;
  stop: () => Promise<void>;
}

/**
 * Two copies of this bench would drop each other's database mid-run: hold a session advisory lock on
 * the admin database for the whole run (released when `admin` disconnects) and queue behind it.
 */
async function lockBench(admin: Client, ctx: BenchContext): Promise<void> {
  const [{ ok }] = (await admin.query(`SELECT pg_try_advisory_lock($1) AS ok`, [BENCH_LOCK_ID])).rows;
  if (ok) return;
  ctx.log('another expiry benchmark is running; waiting for it to finish');
  await admin.query(`SELECT pg_advisory_lock($1)`, [BENCH_LOCK_ID]);
}

async function prepareDatabase(): Promise<string> {
  const url = await recreateBenchDatabase('expiry');
  const db = new Client({ connectionString: url });
  await db.connect();
  await db.query(`INSERT INTO users (username, password_hash) VALUES ('bench', 'x')`);
  await db.query(`INSERT INTO concerts (title) VALUES ('Expiry bench')`);
  await db.query(
    `INSERT INTO concert_options (concert_id, concert_date, ticket_price_amount) VALUES (1, now() + interval '30 days', 50000)`,
  );
  await db.query(
    `INSERT INTO seats (option_id, seat_number) SELECT 1, 'S' || g FROM generate_series(1, $1) g`,
    [HOLDS],
  );
  await db.end();
  return url;
}

/** A worker process; if it dies, whatever waits for its answer fails instead of waiting forever. */
function startWorker(index: number, databaseUrl: string, relay: string): Promise<Worker> {
  const child: ChildProcess = fork(path.join(__dirname, '..', 'support', 'expiry-worker.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '20',
      REDIS_URL: REDIS_URLS.expiry,
      SEED_DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      PORT: '0',
      BENCH_RELAY: relay,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiting: { type: string; resolve: (m: WorkerMessage) => void; reject: (e: Error) => void }[] = [];
  child.on('message', (msg: WorkerMessage) => {
    const at = waiting.findIndex((w) => w.type === msg.type);
    if (at >= 0) waiting.splice(at, 1)[0].resolve(msg);
  });
  void exited.then(() => waiting.splice(0).forEach((w) => w.reject(new Error(`worker ${index} exited`))));
  const worker: Worker = own({
    next: (type) => new Promise((resolve, reject) => waiting.push({ type, resolve, reject })),
    send: (req) => child.send(req),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ cmd: 'stop' } satisfies WorkerRequest);
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  });
  return worker.next('ready').then(() => worker);
}

/**
 * On a shared machine, other work skews lateness badly; with --quiet-load X each run first waits (at most
 * --quiet-wait seconds) for the 1-minute load average to drop below X. The load is reported either way.
 */
async function waitForQuiet(args: Args): Promise<void> {
  const until = Date.now() + args['quiet-wait'] * 1000;
  while (args['quiet-load'] > 0 && os.loadavg()[0] > args['quiet-load'] && Date.now() < until)
    await sleep(1000);
}

async function runOnce(scenario: Deadlines, workers: Worker[], db: Client, redis: Redis) {
  await db.query(`TRUNCATE reservations, outbox_events RESTART IDENTITY CASCADE`);
  await db.query(`UPDATE seats SET status = 'TEMP_RESERVED'`);
  await redis.flushdb();
  for (const w of workers) w.send({ cmd: 'report' }); // discard anything left from the previous run
  await Promise.all(workers.map((w) => w.next('report')));

  const load = os.loadavg()[0];
  const t0 = Date.now() + LEAD_MS;
  const dueMs = Array.from({ length: HOLDS }, (_, i) => scenario.due(i, t0));
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO reservations (user_id, seat_id, option_id, concert_id, status, amount, reserved_at, hold_expires_at)
     SELECT 1, x.seat, 1, 1, 'HOLD', 50000, now(), timestamptz 'epoch' + x.due * interval '1 millisecond'
       FROM unnest($1::int[], $2::bigint[]) WITH ORDINALITY AS x(seat, due, n) ORDER BY x.n
     RETURNING id`,
    [dueMs.map((_, i) => i + 1), dueMs],
  );
  const ids = rows.map((r) => Number(r.id));
  // The purchase count a real hold would have raised, so expiry gives it back as in production.
  await db.query(`TRUNCATE purchase_counts`);
  await db.query(`INSERT INTO purchase_counts (user_id, concert_id, active) VALUES (1, 1, $1)`, [HOLDS]);
  // Statistics and free space as a long-running, autovacuumed table would have them: right after TRUNCATE
  // the planner knows nothing, and the UPDATE above left a dead version of every seat.
  await db.query(`VACUUM ANALYZE reservations, seats, outbox_events`);
  // Each instance queues the holds "it took": round-robin, as a load balancer would spread them.
  await Promise.all(
    workers.map((w, k) => {
      const mine = ids.map((id, i) => [id, dueMs[i]]).filter((_, i) => i % workers.length === k);
      w.send({ cmd: 'add', ids: mine.map((p) => p[0]), dueMs: mine.map((p) => p[1]) });
      return w.next('added');
    }),
  );
  const slackMs = t0 - Date.now();
  if (slackMs < 0) console.warn(`warning: queueing finished ${-slackMs} ms after the first deadline`);

  const deadline = Date.now() + LEAD_MS + DRAIN_TIMEOUT_MS;
  const expiredCount = async () =>
    Number((await db.query(`SELECT count(*) AS n FROM reservations WHERE status = 'EXPIRED'`)).rows[0].n);
  while ((await expiredCount()) < HOLDS && Date.now() < deadline) await sleep(100);
  await sleep(500); // any duplicate claim in flight would land now

  const stats = (
    await db.query(`
      WITH late AS (SELECT extract(epoch FROM expired_at - hold_expires_at) * 1000 AS ms
                      FROM reservations WHERE status = 'EXPIRED')
      SELECT (SELECT count(*) FROM late)::int AS expired,
             (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) FROM late)::float AS p50,
             (SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY ms) FROM late)::float AS p99,
             (SELECT max(ms) FROM late)::float AS max,
             (SELECT count(*) FROM outbox_events WHERE status = 'EXPIRED')::int AS events,
             (SELECT count(DISTINCT reservation_id) FROM outbox_events WHERE status = 'EXPIRED')::int
               AS distinct_events,
             (SELECT count(*) FROM outbox_events WHERE seat_status = 'AVAILABLE')::int AS seat_events`)
  ).rows[0];
  for (const w of workers) w.send({ cmd: 'report' });
  const reports = (await Promise.all(workers.map((w) => w.next('report')))) as unknown as WorkerReport[];
  const late = reports.flatMap((r) => r.lateMs);
  const bySource: Record<string, number> = {};
  for (const r of reports)
    for (const [k, v] of Object.entries(r.bySource)) bySource[k] = (bySource[k] ?? 0) + v;
  const ok = [stats.expired, stats.events, stats.distinct_events, stats.seat_events, late.length].every(
    (n) => n === HOLDS,
  );
  const f = (ms: number) => ms.toFixed(0);
  const note =
    `p50 ${percentile(late, 50)} / max ${Math.max(...late)}; expired_at − deadline p50 / p99 / max ` +
    `${f(stats.p50)} / ${f(stats.p99)} / ${f(stats.max)}; ${ok ? 'exactly once' : 'NOT EXACTLY ONCE'}: ` +
    `${stats.expired} EXPIRED, ${stats.events} events (${stats.distinct_events} distinct), ${stats.seat_events} ` +
    `seat events, ${late.length} transitions (${reports.map((r) => r.lateMs.length).join(' + ')}) ` +
    `${JSON.stringify(bySource)}, ${reports.flatMap((r) => r.batches).length} batches; peak RSS ` +
    `${reports.map((r) => f(r.peakRssMb)).join(' / ')} MB; load ${load.toFixed(1)}`;
  return { ok, p99: percentile(late, 99), note };
}

async function runExpiry(ctx: BenchContext): Promise<Row[]> {
  const { args } = ctx;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  const redis = new Redis(REDIS_URLS.expiry);
  const workers: Worker[] = [];
  let db: Client | undefined;
  const rows: Row[] = [];
  try {
    await lockBench(admin, ctx);
    const url = await prepareDatabase();
    await redis.flushdb();
    const starting = Array.from({ length: args.instances }, (_, i) => startWorker(i, url, args.relay));
    workers.push(...(await Promise.all(starting)));
    db = new Client({ connectionString: url });
    await db.connect();
    const scenarios = DEADLINES.filter((s) => args.scenario === 'both' || s.key === args.scenario);
    // Instances in production have run for a while before a storm: fresh worker processes (code not yet
    // optimised, connections that never ran the expiry statement) made the first run of every session
    // 100-200 ms worse than the next ones. One uncounted run of the first scenario warms them up.
    if (!args['no-warm-up']) {
      const w = await runOnce(scenarios[0], workers, db, redis);
      ctx.log(`expiry warm-up (${scenarios[0].key}, not counted): commit − deadline p99 ${w.p99} ms`);
    }
    for (const scenario of scenarios) {
      for (let run = 1; run <= args.runs; run++) {
        await waitForQuiet(args);
        const r = await runOnce(scenario, workers, db, redis);
        const name = `expiry (${scenario.key}) run ${run}`;
        ctx.log(
          `${name}: commit − deadline p99 ${r.p99} ms${r.ok ? ', exactly once' : ', NOT EXACTLY ONCE'}`,
        );
        if (!r.ok) ctx.fail(`${name} was not exactly once`);
        rows.push({ scenario: name, metric: 'commit − deadline p99 ms', service: r.p99, note: r.note });
      }
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await db?.end();
    await redis.quit();
    await admin.end();
  }
  return rows;
}

export const expiry: Scenario = {
  name: 'expiry',
  // Each run takes 10-40 s; --quiet-load may add its wait before each.
  timeoutSec: (args) => 120 + (2 * args.runs + 1) * (60 + (args['quiet-load'] ? args['quiet-wait'] : 0)),
  run: runExpiry,
};
