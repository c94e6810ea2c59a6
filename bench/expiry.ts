/**
 * Hold-expiry benchmark: 10,000 holds due (a) within the same second, (b) at the same millisecond,
 * expired by application instances running as child processes (bench/expiry-worker.ts) that share
 * PostgreSQL and Redis. Holds are written with SQL and queued through each app's EXPIRY_QUEUE (no HTTP).
 *
 *   npx ts-node bench/expiry.ts [--runs=3] [--instances=2] [--relay=off] [--scenario=a|b] [--no-warm-up]
 *                               [--quiet-load=1.5 --quiet-wait=120]
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379. It (re)creates the
 * database checkout_bench and flushes Redis database 13 only. Reports, per run: lateness p50/p99/max
 * (commit of EXPIRED − holdExpiresAt, seen by the committing instance; and expired_at − holdExpiresAt
 * from the rows), exactly-once counts from the database and the instances, and each instance's peak RSS.
 */
import { ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Client } from 'pg';
import { recreateDatabase } from '../test/support/db';
import type { WorkerMessage, WorkerReport, WorkerRequest } from './expiry-worker';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'checkout_bench';
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DATABASE}`;
const REDIS_URL = 'redis://127.0.0.1:6379/13';
const HOLDS = 10_000;
/** Arbitrary constant: the advisory lock that keeps two runs of this bench apart. */
const BENCH_LOCK_ID = 727274013;
/** Time between writing the holds and the first deadline: enough to insert and queue 10,000 of them. */
const LEAD_MS = 4000;
const DRAIN_TIMEOUT_MS = 30_000;

type Scenario = 'a: 10k due within 1 s' | 'b: 10k due at 1 ms';

interface Worker {
  child: ChildProcess;
  next: (type: WorkerMessage['type']) => Promise<WorkerMessage>;
  send: (req: WorkerRequest) => void;
}

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
}

/**
 * Two copies of this bench would drop each other's database mid-run: hold a session advisory lock on
 * the admin database for the whole run (released when `admin` disconnects) and queue behind it.
 */
async function lockBench(admin: Client): Promise<void> {
  const [{ ok }] = (await admin.query(`SELECT pg_try_advisory_lock($1) AS ok`, [BENCH_LOCK_ID])).rows;
  if (ok) return;
  console.log('another expiry benchmark is running; waiting for it to finish');
  await admin.query(`SELECT pg_advisory_lock($1)`, [BENCH_LOCK_ID]);
}

async function prepareDatabase(): Promise<void> {
  await recreateDatabase(ADMIN_URL, DATABASE, DATABASE_URL);
  const db = new Client({ connectionString: DATABASE_URL });
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
}

function startWorker(index: number, relay: string): Promise<Worker> {
  const child = fork(path.join(__dirname, 'expiry-worker.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL,
      DATABASE_POOL_SIZE: '20',
      REDIS_URL,
      SEED_DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      PORT: String(0),
      BENCH_RELAY: relay,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: { type: string; resolve: (m: WorkerMessage) => void }[] = [];
  child.on('message', (msg: WorkerMessage) => {
    const at = waiting.findIndex((w) => w.type === msg.type);
    if (at >= 0) waiting.splice(at, 1)[0].resolve(msg);
  });
  const worker: Worker = {
    child,
    next: (type) => new Promise((resolve) => waiting.push({ type, resolve })),
    send: (req) => child.send(req),
  };
  const ready = worker.next('ready');
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`worker ${index} exited with ${code} before it was ready`)),
    );
    void ready.then(() => resolve(worker));
  });
}

/**
 * On a shared machine, other work skews lateness badly; with --quiet-load=X each run first waits (at
 * most --quiet-wait seconds, default 120) for the 1-minute load average to drop below X. The load is
 * reported either way.
 */
async function waitForQuiet(maxLoad: number): Promise<void> {
  const until = Date.now() + arg('quiet-wait', 120) * 1000;
  while (maxLoad > 0 && os.loadavg()[0] > maxLoad && Date.now() < until) await sleep(1000);
}

async function runOnce(scenario: Scenario, workers: Worker[], db: Client, redis: Redis) {
  await db.query(`TRUNCATE reservations, outbox_events RESTART IDENTITY CASCADE`);
  await db.query(`UPDATE seats SET status = 'TEMP_RESERVED'`);
  await redis.flushdb();
  for (const w of workers) w.send({ cmd: 'report' }); // discard anything left from the previous run
  await Promise.all(workers.map((w) => w.next('report')));

  const load = os.loadavg()[0];
  const t0 = Date.now() + LEAD_MS;
  const dueMs = Array.from({ length: HOLDS }, (_, i) =>
    scenario.startsWith('a') ? t0 + Math.floor((i * 1000) / HOLDS) : t0,
  );
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO reservations (user_id, seat_id, option_id, concert_id, status, amount, reserved_at, hold_expires_at)
     SELECT 1, x.seat, 1, 1, 'HOLD', 50000, now(), timestamptz 'epoch' + x.due * interval '1 millisecond'
       FROM unnest($1::int[], $2::bigint[]) WITH ORDINALITY AS x(seat, due, n) ORDER BY x.n
     RETURNING id`,
    [dueMs.map((_, i) => i + 1), dueMs],
  );
  const ids = rows.map((r) => Number(r.id));
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
             (SELECT count(*) FROM outbox_events WHERE seat_status = 'AVAILABLE')::int AS seat_events,
             (SELECT count(*) FROM seats WHERE status = 'AVAILABLE')::int AS free_seats`)
  ).rows[0];
  for (const w of workers) w.send({ cmd: 'report' });
  const reports = (await Promise.all(workers.map((w) => w.next('report')))) as unknown as WorkerReport[];
  const late = reports.flatMap((r) => r.lateMs).sort((x, y) => x - y);
  const batches = reports.flatMap((r) => r.batches);
  const txMs = batches.map((b) => b[1]).sort((x, y) => x - y);
  const bySource: Record<string, number> = {};
  for (const r of reports)
    for (const [k, v] of Object.entries(r.bySource)) bySource[k] = (bySource[k] ?? 0) + v;
  return {
    scenario,
    load,
    stats,
    transitions: late.length,
    perInstance: reports.map((r) => r.lateMs.length),
    bySource,
    commit: { p50: quantile(late, 0.5), p99: quantile(late, 0.99), max: late[late.length - 1] },
    batchCount: batches.length,
    txMs: { p50: quantile(txMs, 0.5), max: txMs[txMs.length - 1] },
    rssMb: reports.map((r) => Math.round(r.peakRssMb)),
    ok:
      stats.expired === HOLDS &&
      stats.events === HOLDS &&
      stats.distinct_events === HOLDS &&
      stats.seat_events === HOLDS &&
      late.length === HOLDS,
  };
}

async function main(): Promise<void> {
  const runs = arg('runs', 3);
  const instances = arg('instances', 2);
  const relay = process.argv.includes('--relay=off') ? 'off' : 'on';
  const warmUp = !process.argv.includes('--no-warm-up');
  const quietLoad = arg('quiet-load', 0);
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await lockBench(admin);
  const started = Date.now();
  await prepareDatabase();
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  const workers = await Promise.all(Array.from({ length: instances }, (_, i) => startWorker(i, relay)));
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  const results = [];
  try {
    const only = process.argv.find((a) => a.startsWith('--scenario='))?.split('=')[1];
    const scenarios = (['a: 10k due within 1 s', 'b: 10k due at 1 ms'] as Scenario[]).filter(
      (s) => !only || s.startsWith(only),
    );
    // Instances in production have run for a while before a storm: fresh worker processes (code not yet
    // optimised, connections that never ran the expiry statement) made the first run of every session
    // 100-200 ms worse than the next ones. One uncounted run of the first scenario warms them up.
    if (warmUp) {
      const w = await runOnce(scenarios[0], workers, db, redis);
      console.log(`warm-up (${w.scenario}, not counted): commit lateness p99 ${w.commit.p99} ms`);
    }
    for (const scenario of scenarios) {
      for (let run = 1; run <= runs; run++) {
        await waitForQuiet(quietLoad);
        const r = await runOnce(scenario, workers, db, redis);
        results.push(r);
        console.log(
          `${r.scenario} run ${run}: commit lateness p50 ${r.commit.p50} / p99 ${r.commit.p99} / max ${r.commit.max} ms; ` +
            `expired_at lateness p50 ${r.stats.p50.toFixed(1)} / p99 ${r.stats.p99.toFixed(1)} / max ${r.stats.max.toFixed(1)} ms; ` +
            `EXPIRED ${r.stats.expired}, events ${r.stats.events} (distinct ${r.stats.distinct_events}), ` +
            `transitions ${r.transitions} [${r.perInstance.join(' + ')}] ${JSON.stringify(r.bySource)}; ` +
            `${r.batchCount} batches, txn p50 ${r.txMs.p50} / max ${r.txMs.max} ms; ` +
            `RSS ${r.rssMb.join(' / ')} MB; load ${r.load.toFixed(1)}; ${r.ok ? 'exactly-once OK' : 'EXACTLY-ONCE FAILED'}`,
        );
      }
    }
  } finally {
    await Promise.all(
      workers.map((w) => {
        w.send({ cmd: 'stop' });
        return new Promise((r) => w.child.once('exit', r));
      }),
    );
    await db.end();
    await redis.quit();
    await admin.end();
  }

  console.log(
    `\nHold expiry, ${HOLDS} holds, ${instances} instance(s), outbox relay ${relay}, ${runs} run(s) per scenario`,
  );
  console.log(
    '| scenario | run | commit − deadline p50 / p99 / max (ms) | expired_at − deadline p50 / p99 / max (ms) | EXPIRED rows | EXPIRED events (distinct) | transitions (per instance) | batches | peak RSS per instance (MB) | load avg |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  results.forEach((r, i) =>
    console.log(
      `| ${r.scenario} | ${(i % runs) + 1} | ${r.commit.p50} / ${r.commit.p99} / ${r.commit.max} | ` +
        `${r.stats.p50.toFixed(0)} / ${r.stats.p99.toFixed(0)} / ${r.stats.max.toFixed(0)} | ${r.stats.expired} | ` +
        `${r.stats.events} (${r.stats.distinct_events}) | ${r.transitions} (${r.perInstance.join(' + ')}) | ` +
        `${r.batchCount} | ${r.rssMb.join(' / ')} | ${r.load.toFixed(1)} |`,
    ),
  );
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
