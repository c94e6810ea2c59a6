/**
 * Realtime push: 1,000 connected socket.io clients (one user each, websocket transport); events are
 * committed into outbox_events at a fixed rate (one autocommit INSERT each, as a business statement would
 * write them) and the latency from commit (the INSERT's ack in this process) to receipt on the owner's
 * socket (same process, same clock) is measured, with the throughput delivered. The app runs as a child
 * process built from src/, on its own database.
 *
 *   npm run bench -- --only push [--sockets 1000] [--seconds 20] [--kafka 0|1] [--no-record]
 *
 * --kafka 1 (the default) also runs two instances over librdkafka's mock cluster (kcat, the CI test
 * broker): indicative of correctness, not of a real broker's latency.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Pool } from 'pg';
import { Socket } from 'socket.io-client';
import { startKafkaMock } from '../../support/kafka-mock';
import { own, ServerProcess, startApp } from '../support/app-process';
import { recreateBenchDatabase } from '../support/bench-db';
import { percentile } from '../support/load';
import { Row } from '../support/report';
import { BenchContext, Scenario } from '../support/runner';
import { connectAll } from '../support/sockets';
import { userTokens } from '../support/tokens';

interface Seed {
  userIds: number[];
  optionId: number;
  seatIds: number[];
}

async function prepareDatabase(users: number): Promise<Seed & { url: string }> {
  const url = await recreateBenchDatabase('push');
  const db = new Client({ connectionString: url });
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
  const ids = (rows: { id: number }[]) => rows.map((r) => r.id);
  return { url, userIds: ids(u.rows), optionId: o.rows[0].id, seatIds: ids(s.rows) };
}

/**
 * Commits `rate` events/s for `seconds` s. kind 'user': a RESERVATION_STATUS to a random connected
 * user (one socket receives it); kind 'seat': a SEAT_STATUS on the option every socket follows.
 */
async function run(
  pool: Pool,
  sockets: Socket[],
  userIds: number[],
  target: { optionId: number; seatIds: number[] },
  kind: 'user' | 'seat',
  rate: number,
  seconds: number,
): Promise<{ p99: number; note: string }> {
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
    .map((l) => Math.max(0, l));
  const duplicates = [...seen.values()].filter((c) => c > 1).length;
  const f = (v: number) => v.toFixed(1);
  return {
    p99: percentile(latencies, 99),
    note:
      `p50 ${f(percentile(latencies, 50))}, max ${f(latencies.reduce((a, b) => Math.max(a, b), 0))}; sent ${total}, received ` +
      `${receipts.length}, ${duplicates} duplicates; ${f(total / elapsed)} events/s, ` +
      `${f(receipts.length / elapsed)} deliveries/s`,
  };
}

/** Every socket connected to one of `apps`, subscribed to the option; then each rate in turn. */
async function series(
  ctx: BenchContext,
  label: string,
  apps: ServerProcess[],
  seed: Seed & { url: string },
  rates: number[],
  seatRate: number,
): Promise<Row[]> {
  const pool = new Pool({ connectionString: seed.url, max: 8 });
  const sockets = await connectAll(
    apps.map((a) => a.url),
    userTokens(seed.userIds),
  );
  ctx.log(`push, ${label}: ${sockets.length} sockets connected`);
  const rows: Row[] = [];
  const measure = async (name: string, kind: 'user' | 'seat', rate: number, seconds: number) => {
    const { p99, note } = await run(pool, sockets, seed.userIds, seed, kind, rate, seconds);
    rows.push({ scenario: `push: ${label}, ${name}`, metric: 'p99 ms', service: p99, note });
    ctx.log(`push: ${label}, ${name}: p99 ${p99.toFixed(1)} ms; ${note}`);
  };
  try {
    await Promise.all(
      sockets.map((s) => s.timeout(10_000).emitWithAck('seats.subscribe', { optionId: seed.optionId })),
    );
    for (const rate of rates) await measure(`${rate} user events/s`, 'user', rate, ctx.args.seconds);
    if (seatRate > 0) {
      const name = `${seatRate} seat events/s × ${sockets.length} subscribers`;
      await measure(name, 'seat', seatRate, Math.min(ctx.args.seconds, 10));
    }
  } finally {
    sockets.forEach((s) => s.disconnect());
    await pool.end();
  }
  return rows;
}

async function runPush(ctx: BenchContext): Promise<Row[]> {
  const seed = await prepareDatabase(ctx.args.sockets);
  const env = { DATABASE_URL: seed.url, DATABASE_POOL_SIZE: '10' };
  const rows: Row[] = [];
  const app = await startApp({ entry: ctx.entry(), env });
  try {
    rows.push(...(await series(ctx, 'in-process bus, 1 instance', [app], seed, [200, 1000, 2000], 20)));
  } finally {
    await app.stop();
  }
  if (ctx.args.kafka) {
    const kafka = own(await startKafkaMock());
    const apps: ServerProcess[] = [];
    try {
      const kafkaEnv = { ...env, KAFKA_BROKERS: kafka.brokers.join(',') };
      for (let i = 0; i < 2; i++) apps.push(await startApp({ entry: ctx.entry(), env: kafkaEnv }));
      await Promise.all(apps.map((a) => a.waitReady('/health/ready', 30_000)));
      rows.push(...(await series(ctx, 'Kafka (kcat mock), 2 instances', apps, seed, [200, 1000], 0)));
    } finally {
      for (const a of apps) await a.stop();
      await kafka.stop();
    }
  }
  return rows;
}

export const push: Scenario = { name: 'push', run: runPush, timeoutSec: (args) => 300 + 6 * args.seconds };
