/**
 * Soak: `npx ts-node bench/soak.ts --minutes 10` (default 10; `--minutes 1` for a smoke run). Not part of
 * `npm test`. Mixed traffic against the built service in a child process (mock provider with random
 * approve/decline/pending per confirm, late and repeated signed webhooks, holds left to expire with a
 * short HOLD_TTL_SECONDS, refunds and cancels), socket clients recording every push, then the invariants:
 * no seat with two active reservations, every ledger balanced per the contract, no wallet below zero, no
 * 5xx, and no event missing from any connected client. Uses its own database and Redis index 15.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { createDataSource } from '../src/database/data-source';
import { runMigrations } from '../src/database/migrate';
import { connectSocket, emitWithAck, TestSocket } from '../test/support/realtime-clients';
import { moneyAndSeatProblems } from '../test/support/invariants';
import { buildApp, startApp } from './support/app-process';
import { missingEvents, outcomeCounts } from './support/soak-checks';
import { customer, SoakStats } from './support/soak-traffic';
import { userTokens } from './support/tokens';

const DB = 'checkout_soak';
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_URL = `postgres://postgres@127.0.0.1:5432/${DB}`;
const REDIS_URL = 'redis://127.0.0.1:6379/15';
const SECRET = 'whsec_soak_secret';
const CUSTOMERS = 24;
const SEATS = 300;
const HOLD_TTL_SECONDS = 6;

const minutes = Number(process.argv[process.argv.indexOf('--minutes') + 1] || 10);

async function freshDatabase(): Promise<{ userIds: number[]; optionId: number; seatIds: number[] }> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const ds = createDataSource(DB_URL, 2);
  await ds.initialize();
  await runMigrations(ds);
  const users: { id: number }[] = await ds.query(
    `INSERT INTO users (username, password_hash)
     SELECT 'soak' || g, 'not-a-bcrypt-hash' FROM generate_series(1, $1::int) g RETURNING id`,
    [CUSTOMERS],
  );
  const [concert] = await ds.query(
    `INSERT INTO concerts (title, artist_name) VALUES ('Soak', 'Soak') RETURNING id`,
  );
  const [option] = await ds.query(
    `INSERT INTO concert_options (concert_id, concert_date, ticket_price_amount)
     VALUES ($1, now() + interval '30 days', 50000) RETURNING id`,
    [concert.id],
  );
  const seats: { id: number }[] = await ds.query(
    `INSERT INTO seats (option_id, seat_number) SELECT $1, 'S' || g FROM generate_series(1, $2::int) g RETURNING id`,
    [option.id, SEATS],
  );
  await ds.destroy();
  return { userIds: users.map((u) => u.id), optionId: option.id, seatIds: seats.map((s) => s.id) };
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await sleep(250);
  }
  return false;
}

async function main(): Promise<void> {
  console.log(`soak: ${minutes} min, ${CUSTOMERS} customers, ${SEATS} seats, hold TTL ${HOLD_TTL_SECONDS} s`);
  const seeded = await freshDatabase();
  const app = await startApp({
    entry: buildApp(),
    env: {
      DATABASE_URL: DB_URL,
      REDIS_URL,
      PAYMENT_PROVIDER: 'mock',
      PG_READY_WEBHOOK_SECRET: SECRET,
      HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
    },
  });
  const tokens = userTokens(seeded.userIds);
  const sockets: { id: number; socket: TestSocket }[] = [];
  let seatSocket: TestSocket | undefined;
  const db = new Client({ connectionString: DB_URL });
  await db.connect();
  try {
    for (const [i, id] of seeded.userIds.entries())
      sockets.push({ id, socket: await connectSocket(app.url, tokens[i]) });
    seatSocket = await connectSocket(app.url);
    await emitWithAck(seatSocket.socket, 'seats.subscribe', { optionId: seeded.optionId });

    const stats = new SoakStats();
    const started = Date.now();
    const target = {
      url: app.url,
      webhookSecret: SECRET,
      optionId: seeded.optionId,
      holdTtlMs: HOLD_TTL_SECONDS * 1000,
      deadline: started + minutes * 60_000,
    };
    await Promise.all(tokens.map((token) => customer(target, token, stats)));
    await Promise.all(stats.lateWebhooks);
    // Let every hold expire, the relay drain, and the last pushes arrive.
    await sleep((HOLD_TTL_SECONDS + 3) * 1000);
    const drained = await waitUntil(
      async () =>
        (await db.query(`SELECT 1 FROM outbox_events WHERE published_at IS NULL LIMIT 1`)).rowCount === 0,
      30_000,
    );
    await sleep(1500);

    const ds = createDataSource(DB_URL, 2);
    await ds.initialize();
    const problems = await moneyAndSeatProblems(ds);
    await ds.destroy();
    const negative = (await db.query(`SELECT count(*)::int AS n FROM wallets WHERE balance_amount < 0`))
      .rows[0].n;
    const events = await missingEvents(db, sockets, { optionId: seeded.optionId, socket: seatSocket });
    const live = (
      await db.query(`SELECT count(*)::int AS n FROM reservations WHERE status IN ('HOLD','PAYING')`)
    ).rows[0].n;
    const sorted = [...stats.latencies].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(1);

    const table: [string, string][] = [
      ['duration (traffic)', `${((Date.now() - started) / 60_000).toFixed(1)} min`],
      ['requests', `${sorted.length} (p50 ${q(0.5)} ms, p99 ${q(0.99)} ms)`],
      ...[...stats.byCall].sort().map(([k, n]): [string, string] => [`  ${k}`, String(n)]),
      ...[...stats.webhookResults]
        .sort()
        .map(([k, n]): [string, string] => [`  webhook result ${k}`, String(n)]),
      ...Object.entries(await outcomeCounts(db)).map(([k, n]): [string, string] => [`  ${k}`, String(n)]),
      ['5xx responses', String(stats.serverErrors())],
      ['live holds left after the run', String(live)],
      ['outbox drained', String(drained)],
      ['seat/ledger invariant violations', problems.length ? problems.join('; ') : '0'],
      ['wallets below zero', String(negative)],
      ['events expected at clients', String(events.expected)],
      ['events missing at clients', String(events.missing)],
      ['duplicate deliveries (dropped by eventId)', String(events.duplicates)],
    ];
    console.log(['| check | value |', '|---|---|', ...table.map(([k, v]) => `| ${k} | ${v} |`)].join('\n'));
    const ok =
      stats.serverErrors() === 0 && live === 0 && drained && !problems.length && !negative && !events.missing;
    console.log(ok ? 'SOAK PASSED' : 'SOAK FAILED');
    process.exitCode = ok ? 0 : 1;
  } finally {
    for (const s of sockets) s.socket.close();
    seatSocket?.close();
    await db.end();
    await app.stop();
  }
}

void main();
