/**
 * Realtime push benchmark: 1,000 connected socket.io clients (one user each, websocket transport);
 * events are committed into outbox_events at a fixed rate (one autocommit INSERT each, as a business
 * statement would write them) and the latency from commit (the INSERT's ack in this process) to receipt
 * on the owner's socket (same process, same clock) is measured, with the throughput delivered.
 *
 *   npx ts-node bench/push.ts [--sockets=1000] [--seconds=20] [--kafka=1]
 *
 * Needs PostgreSQL on 127.0.0.1:5432; --kafka=1 also needs kcat (librdkafka's mock cluster, the CI
 * test broker: indicative only). Uses its own database checkout_bench_push. The app runs as a child
 * process built from src/ (NODE_ENV=production, LOG_LEVEL=warn); every child is stopped by its PID.
 */
import { execSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Pool } from 'pg';
import { io, Socket } from 'socket.io-client';
import { recreateDatabase } from '../test/support/db';
import { startKafkaMock } from '../test/support/kafka-mock';
import { buildApp, ServerProcess, startApp } from './support/app-process';
import { ADMIN_DATABASE_URL } from './support/bench-db';
import { machine, today } from './support/report';
import { userTokens } from './support/tokens';

const DATABASE = 'checkout_bench_push';
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DATABASE}`;

const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};
const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;

interface Result {
  scenario: string;
  sent: number;
  received: number;
  duplicates: number;
  p50: number;
  p99: number;
  max: number;
  eventsPerSec: number;
  deliveriesPerSec: number;
}

async function prepareDatabase(
  users: number,
): Promise<{ userIds: number[]; optionId: number; seatIds: number[] }> {
  await recreateDatabase(ADMIN_DATABASE_URL, DATABASE, DATABASE_URL);
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  const u = await db.query<{ id: number }>(
    `INSERT INTO users (username, password_hash) SELECT 'push' || g, 'x' FROM generate_series(1, $1::int) g RETURNING id`,
    [users],
  );
  const c = await db.query<{ id: number }>(
    `INSERT INTO concerts (title, artist_name) VALUES ('Push', 'Bench') RETURNING id`,
  );
  const o = await db.query<{ id: number }>(
    `INSERT INTO concert_options (concert_id, concert_date, ticket_price_amount) VALUES ($1, now() + interval '30 days', 1) RETURNING id`,
    [c.rows[0].id],
  );
  const s = await db.query<{ id: number }>(
    `INSERT INTO seats (option_id, seat_number) SELECT $1, 'S' || g FROM generate_series(1, 100) g RETURNING id`,
    [o.rows[0].id],
  );
  await db.end();
  return { userIds: u.rows.map((r) => r.id), optionId: o.rows[0].id, seatIds: s.rows.map((r) => r.id) };
}

/** Connects `tokens.length` sockets spread over `urls`, in waves so the handshakes do not time out. */
async function connectAll(urls: string[], tokens: string[]): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < tokens.length; i += 100) {
    const wave = tokens.slice(i, i + 100).map(
      (token, j) =>
        new Promise<Socket>((resolve, reject) => {
          const s = io(`${urls[(i + j) % urls.length]}/realtime`, {
            transports: ['websocket'],
            auth: { token },
            reconnection: false,
            forceNew: true,
            timeout: 20_000,
          });
          s.once('connect', () => resolve(s));
          s.once('connect_error', reject);
        }),
    );
    sockets.push(...(await Promise.all(wave)));
  }
  return sockets;
}

/**
 * Commits `rate` events/s for `seconds` s. kind 'user': a RESERVATION_STATUS to a random connected
 * user (one socket receives it); kind 'seat': a SEAT_STATUS on the option every socket follows.
 */
async function run(
  scenario: string,
  pool: Pool,
  sockets: Socket[],
  userIds: number[],
  target: { optionId: number; seatIds: number[] },
  kind: 'user' | 'seat',
  rate: number,
  seconds: number,
): Promise<Result> {
  const committedAt = new Map<number, number>(); // marker → commit ack time
  const receipts: { marker: number; at: number }[] = [];
  const seen = new Map<string, number>(); // socket:eventId → count
  const event = kind === 'user' ? 'RESERVATION_STATUS' : 'SEAT_STATUS';
  const listeners = sockets.map((s, i) => {
    const fn = (p: { eventId: number; reservationId?: number }) => {
      const at = performance.now();
      const marker = kind === 'user' ? (p.reservationId as number) : p.eventId;
      receipts.push({ marker, at });
      const k = `${i}:${p.eventId}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    };
    s.on(event, fn);
    return () => s.off(event, fn);
  });

  const failures: string[] = [];
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let n = 1; n <= total; n++) {
    const due = start + ((n - 1) * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const user = userIds[Math.floor(Math.random() * userIds.length)];
    const seatId = target.seatIds[n % target.seatIds.length];
    const sql =
      kind === 'user'
        ? `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload)
           VALUES ('RESERVATION_STATUS', $1::text, $2::int, $3::int, jsonb_build_object('reservationId', $1::int, 'userId', $2::int,
             'seatId', $4::int, 'optionId', $3::int, 'status', 'HOLD', 'paymentStatus', NULL,
             'holdExpiresAt', iso_utc(now()), 'occurredAt', iso_utc(now()))) RETURNING id`
        : `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload)
           VALUES ('SEAT_STATUS', $3::int || ':' || $4::int, $2::int, $3::int + coalesce($1::int, 0), jsonb_build_object('optionId', $3::int, 'seatId', $4::int,
             'status', 'TEMP_RESERVED', 'occurredAt', iso_utc(now()))) RETURNING id`;
    const params =
      kind === 'user' ? [n, user, target.optionId, seatId] : [null, null, target.optionId, seatId];
    inflight.push(
      pool.query<{ id: string }>(sql, params).then(
        (r) => void committedAt.set(kind === 'user' ? n : Number(r.rows[0].id), performance.now()),
        (err: Error) => void failures.push(err.message),
      ),
    );
  }
  await Promise.all(inflight);
  if (failures.length) throw new Error(`${failures.length} inserts failed, e.g. ${failures[0]}`);
  const expected = kind === 'user' ? total : total * sockets.length;
  const deadline = performance.now() + 10_000;
  while (receipts.length < expected && performance.now() < deadline) await sleep(50);
  const elapsed = (receipts.reduce((m, r) => Math.max(m, r.at), start) - start) / 1000;
  listeners.forEach((off) => off());

  const latencies = receipts
    .map((r) => r.at - (committedAt.get(r.marker) ?? NaN))
    .filter(Number.isFinite)
    .map((l) => Math.max(0, l))
    .sort((a, b) => a - b);
  return {
    scenario,
    sent: total,
    received: receipts.length,
    duplicates: [...seen.values()].filter((c) => c > 1).length,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1],
    eventsPerSec: total / elapsed,
    deliveriesPerSec: receipts.length / elapsed,
  };
}

async function scenarios(
  label: string,
  urls: string[],
  tokens: string[],
  seed: { userIds: number[]; optionId: number; seatIds: number[] },
  seconds: number,
  rates: number[],
  seatRate: number,
): Promise<Result[]> {
  const pool = new Pool({ connectionString: DATABASE_URL, max: 8 });
  const sockets = await connectAll(urls, tokens);
  console.log(`  ${label}: ${sockets.length} sockets connected`);
  const results: Result[] = [];
  try {
    await Promise.all(
      sockets.map((s) => s.timeout(10_000).emitWithAck('seats.subscribe', { optionId: seed.optionId })),
    );
    for (const rate of rates) {
      const r = await run(
        `${label}, ${rate} user events/s`,
        pool,
        sockets,
        seed.userIds,
        seed,
        'user',
        rate,
        seconds,
      );
      console.log('  ', JSON.stringify(r));
      results.push(r);
    }
    if (seatRate > 0) {
      const r = await run(
        `${label}, ${seatRate} seat events/s × ${sockets.length} subscribers`,
        pool,
        sockets,
        seed.userIds,
        seed,
        'seat',
        seatRate,
        Math.min(seconds, 10),
      );
      console.log('  ', JSON.stringify(r));
      results.push(r);
    }
  } finally {
    sockets.forEach((s) => s.disconnect());
    await pool.end();
  }
  return results;
}

async function main(): Promise<void> {
  const socketCount = arg('sockets', 1000);
  const seconds = arg('seconds', 20);
  const withKafka = arg('kafka', 1) === 1;
  console.log('building the app…');
  const entry = buildApp();
  const seed = await prepareDatabase(socketCount);
  const tokens = userTokens(seed.userIds);
  const env = { DATABASE_URL, DATABASE_POOL_SIZE: '10' };
  const results: Result[] = [];

  const app: ServerProcess = await startApp({ entry, env });
  try {
    results.push(
      ...(await scenarios(
        'in-process bus, 1 instance',
        [app.url],
        tokens,
        seed,
        seconds,
        [200, 1000, 2000],
        20,
      )),
    );
  } finally {
    await app.stop();
  }

  if (withKafka) {
    const kafka = await startKafkaMock();
    const apps: ServerProcess[] = [];
    try {
      for (let i = 0; i < 2; i++)
        apps.push(await startApp({ entry, env: { ...env, KAFKA_BROKERS: kafka.brokers.join(',') } }));
      await Promise.all(apps.map((a) => a.waitReady('/health/ready', 30_000)));
      results.push(
        ...(await scenarios(
          'Kafka (kcat mock), 2 instances',
          apps.map((a) => a.url),
          tokens,
          seed,
          seconds,
          [200, 1000],
          0,
        )),
      );
    } finally {
      for (const a of apps) await a.stop();
      await kafka.stop();
    }
  }

  const cpu = execSync(`lscpu | grep 'Model name' | sed 's/.*: *//'`).toString().trim();
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '—');
  console.log(
    `\n### ${today()} — ${machine()} (lscpu: ${cpu}; nproc ${execSync('nproc').toString().trim()})\n`,
  );
  console.log('| scenario | sent | received | dup | p50 ms | p99 ms | max ms | events/s | deliveries/s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.scenario} | ${r.sent} | ${r.received} | ${r.duplicates} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${f(r.eventsPerSec)} | ${f(r.deliveriesPerSec)} |`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
