/**
 * Soak, run only when named (`--only soak`), never by a plain `npm run bench` or `npm test`: mixed
 * traffic against the built service in a child process (mock provider with random approve/decline/pending
 * per confirm, late and repeated signed webhooks, holds left to expire with a short HOLD_TTL_SECONDS,
 * refunds and cancels), socket clients recording every push, then the invariants: no seat with two active reservations, every ledger balanced
 * per the contract, no wallet below zero, no 5xx, and no event missing from any connected client.
 *
 *   npm run bench -- --only soak [--minutes 10] [--no-record]     (--minutes 1 for a smoke run)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { createDataSource } from '../../src/database/data-source';
import { moneyAndSeatProblems } from '../../support/invariants';
import { connectSocket, emitWithAck, TestSocket } from '../../support/realtime-clients';
import { startApp } from '../support/app-process';
import { recreateBenchDatabase, REDIS_URLS } from '../support/bench-db';
import { percentile } from '../support/load';
import { Row } from '../support/report';
import { BenchContext, Scenario } from '../support/runner';
import { missingEvents, outcomeCounts } from '../support/soak-checks';
import { customer, SoakStats } from '../support/soak-traffic';
import { userTokens } from '../support/tokens';

const SECRET = 'whsec_soak_secret';
export const CUSTOMERS = 24;
export const SEATS = 300;
export const HOLD_TTL_SECONDS = 6;

async function seed(url: string): Promise<{ userIds: number[]; optionId: number }> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const users = await db.query<{ id: number }>(
      `INSERT INTO users (username, password_hash)
       SELECT 'soak' || g, 'not-a-bcrypt-hash' FROM generate_series(1, $1::int) g RETURNING id`,
      [CUSTOMERS],
    );
    const [concert] = (
      await db.query(`INSERT INTO concerts (title, artist_name) VALUES ('Soak', 'Soak') RETURNING id`)
    ).rows;
    const [option] = (
      await db.query(
        `INSERT INTO concert_options (concert_id, concert_date, ticket_price_amount)
         VALUES ($1, now() + interval '30 days', 50000) RETURNING id`,
        [concert.id],
      )
    ).rows;
    await db.query(
      `INSERT INTO seats (option_id, seat_number) SELECT $1, 'S' || g FROM generate_series(1, $2::int) g`,
      [option.id, SEATS],
    );
    return { userIds: users.rows.map((u) => u.id), optionId: option.id };
  } finally {
    await db.end();
  }
}

async function runSoak(ctx: BenchContext): Promise<Row[]> {
  const url = await recreateBenchDatabase('soak');
  const seeded = await seed(url);
  const app = await startApp({
    entry: ctx.entry(),
    env: {
      DATABASE_URL: url,
      REDIS_URL: REDIS_URLS.soak,
      PAYMENT_PROVIDER: 'mock',
      PG_READY_WEBHOOK_SECRET: SECRET,
      HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
    },
  });
  const tokens = userTokens(seeded.userIds);
  const sockets: { id: number; socket: TestSocket }[] = [];
  let seatSocket: TestSocket | undefined;
  const db = new Client({ connectionString: url });
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
      deadline: started + ctx.args.minutes * 60_000,
    };
    await Promise.all(tokens.map((token) => customer(target, token, stats)));
    await Promise.all(stats.lateWebhooks);
    const trafficMin = (Date.now() - started) / 60_000;
    // Let every hold expire, the relay drain (30 s at most), and the last pushes arrive.
    await sleep((HOLD_TTL_SECONDS + 3) * 1000);
    const count = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0].n;
    const unpublished = () =>
      count(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`);
    for (const until = Date.now() + 30_000; (await unpublished()) > 0 && Date.now() < until;)
      await sleep(250);
    await sleep(1500);

    const ds = createDataSource(url, 2);
    await ds.initialize();
    const problems = await moneyAndSeatProblems(ds).finally(() => ds.destroy());
    const events = await missingEvents(db, sockets, { optionId: seeded.optionId, socket: seatSocket });
    let passed = true;
    /** An invariant's row: its count must be 0. */
    const must = (metric: string, service: number, detail = '') => {
      if (service !== 0) ctx.fail(`soak: ${metric} ${service} ${detail}`.trim());
      passed &&= service === 0;
      return { metric, service, note: detail ? `must be 0: ${detail}` : 'must be 0' };
    };
    const counts = [
      ...stats.byCall,
      ...[...stats.webhookResults].map(([k, n]) => [`webhook result ${k}`, n] as const),
    ];
    const rows = [
      { metric: 'traffic, minutes', service: trafficMin, note: `${CUSTOMERS} customers, ${SEATS} seats` },
      {
        metric: 'requests',
        service: stats.latencies.length,
        note: `p50 ${percentile(stats.latencies, 50).toFixed(1)} ms, p99 ${percentile(stats.latencies, 99).toFixed(1)} ms`,
      },
      ...counts.sort().map(([metric, service]) => ({ metric, service })),
      ...Object.entries(await outcomeCounts(db)).map(([metric, service]) => ({ metric, service })),
      must('5xx responses', stats.serverErrors()),
      must(
        'live holds left after the run',
        await count(`SELECT count(*)::int AS n FROM reservations WHERE status IN ('HOLD','PAYING')`),
      ),
      must('outbox rows left unpublished', await unpublished()),
      must('seat/ledger invariant violations', problems.length, problems.join('; ')),
      must(
        'wallets below zero',
        await count(`SELECT count(*)::int AS n FROM wallets WHERE balance_amount < 0`),
      ),
      { metric: 'events expected at clients', service: events.expected },
      must('events missing at clients', events.missing),
      { metric: 'duplicate deliveries', service: events.duplicates, note: 'dropped by eventId' },
    ];
    ctx.log(passed ? 'SOAK PASSED' : 'SOAK FAILED');
    return rows.map((r) => ({ scenario: 'soak', ...r }));
  } finally {
    for (const s of sockets) s.socket.close();
    seatSocket?.close();
    await db.end();
    await app.stop();
  }
}

export const soak: Scenario = { name: 'soak', run: runSoak, timeoutSec: (args) => 300 + 60 * args.minutes };
