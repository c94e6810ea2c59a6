/**
 * PG webhook throughput: signed APPROVED events per second and p99 latency through the real app
 * (signature guard → validation → one transaction: inbox claim, reservation lock, conditional ledger
 * settle, CONFIRMED transition with seat + outbox events), then the same events replayed (dedup path).
 * Baselines in the same run: a trivial route (GET /health/live) under the same load, and bare HMAC
 * verifications of the same bodies, so the figures read as ratios on whatever machine runs this.
 *
 *   npx ts-node bench/webhook.ts [--events 4000] [--connections 16] [--no-record]
 *
 * Uses its own database (checkout_bench_webhook, dropped and re-created) on 127.0.0.1 and starts the app
 * in this process on a random loopback port. Appends a section to bench/RESULTS.md unless --no-record
 * (`npm run bench` passes it and records the table in its own run's section).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import { signWebhook, verifyWebhookSignature } from '../src/modules/checkout/webhook/webhook-signature';

const DB = 'checkout_bench_webhook';
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_URL = `postgres://postgres@127.0.0.1:5432/${DB}`;
const SECRET = 'whsec_bench_webhook';
const PRICE = 50000;
const PATH = '/api/payments/webhooks/pg-ready';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** N PAYING reservations (deadline in an hour), each with one PENDING pg-ready attempt, straight in SQL. */
async function seed(n: number): Promise<{ reservationId: number; attemptId: number }[]> {
  return withClient(DB_URL, async (db) => {
    const [{ id: userId }] = (
      await db.query(`INSERT INTO users (username, password_hash) VALUES ('bench', 'x') RETURNING id`)
    ).rows;
    const [{ id: concertId }] = (
      await db.query(`INSERT INTO concerts (title) VALUES ('Webhook bench') RETURNING id`)
    ).rows;
    const [{ id: optionId }] = (
      await db.query(
        `INSERT INTO concert_options (concert_id, concert_date, ticket_price_amount)
         VALUES ($1, now() + interval '30 days', $2) RETURNING id`,
        [concertId, PRICE],
      )
    ).rows;
    await db.query(
      `INSERT INTO seats (option_id, seat_number, status)
       SELECT $1, 'S-' || g, 'TEMP_RESERVED' FROM generate_series(1, $2::int) g`,
      [optionId, n],
    );
    await db.query(
      `INSERT INTO reservations (user_id, seat_id, option_id, concert_id, status, amount, reserved_at, hold_expires_at)
       SELECT $1, s.id, $2, $3, 'PAYING', $4, now(), now() + interval '1 hour' FROM seats s WHERE s.option_id = $2
       ORDER BY s.id`,
      [userId, optionId, concertId, PRICE],
    );
    const rows = await db.query<{ reservationId: number; attemptId: number }>(
      `INSERT INTO payment_transactions
         (user_id, reservation_id, type, status, payment_method, payment_provider, amount, idempotency_key)
       SELECT r.user_id, r.id, 'PAYMENT', 'PENDING', 'CARD', 'pg-ready', r.amount, 'bench-pay-' || r.id
         FROM reservations r ORDER BY r.id
       RETURNING reservation_id AS "reservationId", id AS "attemptId"`,
    );
    await db.query('VACUUM ANALYZE');
    return rows.rows;
  });
}

interface Run {
  name: string;
  perSec: number;
  p50: number;
  p99: number;
  total: number;
  statusCodes: Record<string, number>;
}

/** autocannon against the in-process app; `next()` gives each request its (fresh) body and headers. */
async function load(
  name: string,
  url: string,
  total: number,
  connections: number,
  next?: () => { body: string; headers: Record<string, string> },
): Promise<Run> {
  const result = await autocannon({
    url,
    connections,
    amount: total,
    timeout: 10,
    requests: next
      ? [
          {
            method: 'POST',
            setupRequest: (req) => {
              const { body, headers } = next();
              return { ...req, body, headers: { ...req.headers, ...headers } };
            },
          },
        ]
      : undefined,
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stat.count ?? 0;
  return {
    name,
    // result.duration is whole seconds; start/finish give the real window.
    perSec:
      result.requests.total / ((new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000),
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    statusCodes,
  };
}

function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    model = /Model name:\s*(.+)/.exec(execSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? model;
  } catch {
    /* lscpu missing: keep os.cpus() */
  }
  const nproc = execSync('nproc', { encoding: 'utf8' }).trim();
  // Other work on the machine (parallel test runs, other benchmarks) shows here and skews absolute figures.
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `${nproc} CPUs (nproc), ${model}, Node ${process.version}, load average before the run ${load}`;
}

async function main(): Promise<void> {
  const events = arg('events', 4000);
  const host = machine();
  const connections = arg('connections', 16);

  await withClient(ADMIN_URL, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${DB}`);
  });
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: DB_URL,
    DATABASE_POOL_SIZE: '20',
    JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256',
    PAYMENT_PROVIDER: 'pg-ready',
    PG_READY_WEBHOOK_SECRET: SECRET,
    HOLD_TTL_SECONDS: '3600',
    SEED_DEMO_DATA: 'false',
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'silent',
  });
  let app: INestApplication | undefined;
  try {
    app = await createApp(config); // migrates the fresh database
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    const attempts = await seed(events);
    const bodies = attempts.map((a, i) =>
      JSON.stringify({
        providerEventId: `bench-evt-${i}`,
        eventType: 'PAYMENT',
        status: 'APPROVED',
        reservationId: a.reservationId,
        paymentTransactionId: a.attemptId,
        amount: PRICE,
      }),
    );
    const signed = () => {
      let i = 0;
      return () => {
        const body = bodies[i++ % bodies.length];
        return {
          body,
          headers: {
            'content-type': 'application/json',
            'x-pg-signature': signWebhook(SECRET, body, Math.floor(Date.now() / 1000)),
          },
        };
      };
    };

    // Warm-up on the trivial route (JIT, connection pool), then the measured runs.
    await load('warm-up', `${base}/health/live`, 500, connections);
    const baseline = await load('GET /health/live (baseline)', `${base}/health/live`, events, connections);
    const approve = await load(
      'webhook APPROVED → CONFIRMED',
      `${base}${PATH}`,
      events,
      connections,
      signed(),
    );
    const duplicate = await load(
      'webhook replay (duplicate)',
      `${base}${PATH}`,
      events,
      connections,
      signed(),
    );

    const buffers = bodies.map((b) => Buffer.from(b));
    const headers = bodies.map((b) => signWebhook(SECRET, b, Math.floor(Date.now() / 1000)));
    const started = process.hrtime.bigint();
    let ok = 0;
    for (let i = 0; i < buffers.length; i++) {
      const check = verifyWebhookSignature({
        header: headers[i],
        rawBody: buffers[i],
        secret: SECRET,
        nowMs: Date.now(),
      });
      if (check.ok) ok++;
    }
    const hmacPerSec = buffers.length / (Number(process.hrtime.bigint() - started) / 1e9);
    if (ok !== buffers.length) throw new Error('HMAC baseline: a signature did not verify');

    const check = await withClient(DB_URL, async (db) => {
      const q = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0].n);
      return {
        confirmed: await q(`SELECT count(*) AS n FROM reservations WHERE status = 'CONFIRMED'`),
        success: await q(`SELECT count(*) AS n FROM payment_transactions WHERE status = 'SUCCESS'`),
        inbox: await q(`SELECT count(*) AS n FROM webhook_inbox WHERE result = 'CONFIRMED'`),
      };
    });
    const correct =
      check.confirmed === events &&
      check.success === events &&
      check.inbox === events &&
      approve.statusCodes['202'] === events &&
      duplicate.statusCodes['200'] === events;

    const rows = [baseline, approve, duplicate];
    const fmt = (n: number, d = 0) => n.toFixed(d);
    const table = [
      '| run | requests | per second | p50 ms | p99 ms | statuses | × baseline |',
      '|---|---:|---:|---:|---:|---|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.total} | ${fmt(r.perSec)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${Object.entries(
            r.statusCodes,
          )
            .map(([c, n]) => `${c}:${n}`)
            .join(' ')} | ${fmt(r.perSec / baseline.perSec, 2)} |`,
      ),
      `| bare HMAC verify (same bodies, no HTTP) | ${buffers.length} | ${fmt(hmacPerSec)} | – | – | – | ${fmt(hmacPerSec / baseline.perSec, 2)} |`,
    ].join('\n');
    console.log(`\n${table}\n`);
    console.log(
      `check: ${check.confirmed}/${events} CONFIRMED, ${check.success} SUCCESS rows, ${check.inbox} inbox rows → ${correct ? 'OK' : 'MISMATCH'}`,
    );

    if (!correct) process.exitCode = 1;
    // `npm run bench` passes --no-record and records the table with its own run.
    if (!process.argv.includes('--no-record')) {
      const results = join(__dirname, 'RESULTS.md');
      const header =
        existsSync(results) && readFileSync(results, 'utf8').trim() !== '' ? '\n' : '# Benchmark results\n\n';
      appendFileSync(
        results,
        `${header}## PG webhook throughput (bench/webhook.ts) — ${new Date().toISOString()}\n\n` +
          `Machine: ${host}. App in-process with autocannon (one event loop shares both), ` +
          `PostgreSQL on 127.0.0.1, ${connections} connections, ${events} signed events per run, each for a different ` +
          `PENDING attempt. Correctness after the run: ${correct ? 'all events applied exactly once' : 'MISMATCH'}.\n\n` +
          `${table}\n`,
      );
    }
  } finally {
    await app?.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
