/**
 * PG webhook throughput: signed APPROVED events per second and p99 latency through the service (signature
 * guard → validation → one transaction: inbox claim, reservation lock, conditional ledger settle,
 * CONFIRMED transition with seat + outbox events), then the same events replayed (the dedup path).
 * Ceilings in the same run: the service's GET /health/live under the same load, and bare HMAC
 * verifications of the same bodies (no HTTP).
 *
 *   npm run bench -- --only webhook [--events 4000] [--connections 16] [--no-record]
 */
import { signWebhook, verifyWebhookSignature } from '../../src/modules/checkout/webhook/webhook-signature';
import { startApp } from '../support/app-process';
import { recreateBenchDatabase, withBenchClient } from '../support/bench-db';
import { cannon, LoadResult } from '../support/load';
import { Row } from '../support/report';
import { BenchContext, Scenario } from '../support/runner';

const SECRET = 'whsec_bench_webhook';
const PRICE = 50000;
const PATH = '/api/payments/webhooks/pg-ready';

/** N PAYING reservations (deadline in an hour), each with one PENDING pg-ready attempt, straight in SQL. */
async function seed(url: string, n: number): Promise<{ reservationId: number; attemptId: number }[]> {
  return withBenchClient(async (db) => {
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
  }, url);
}

/** Bare HMAC verifications per second of the same bodies: what the signature check alone allows. */
function hmacPerSec(bodies: string[]): number {
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
  const perSec = buffers.length / (Number(process.hrtime.bigint() - started) / 1e9);
  if (ok !== buffers.length) throw new Error('HMAC baseline: a signature did not verify');
  return perSec;
}

async function runWebhook(ctx: BenchContext): Promise<Row[]> {
  const { events, connections } = ctx.args;
  const url = await recreateBenchDatabase('webhook');
  const attempts = await seed(url, events);
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
  /** Every body once, freshly signed when sent. */
  const signed = () => {
    let i = 0;
    return [
      {
        method: 'POST' as const,
        setupRequest: (req: object) => {
          const body = bodies[i++ % bodies.length];
          const signature = signWebhook(SECRET, body, Math.floor(Date.now() / 1000));
          return {
            ...req,
            body,
            headers: { 'content-type': 'application/json', 'x-pg-signature': signature },
          };
        },
      },
    ];
  };
  const app = await startApp({
    entry: ctx.entry(),
    env: {
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: '20',
      PAYMENT_PROVIDER: 'pg-ready',
      PG_READY_WEBHOOK_SECRET: SECRET,
    },
  });
  let baseline: LoadResult, approve: LoadResult, duplicate: LoadResult;
  try {
    const load = (path: string, amount: number, requests?: ReturnType<typeof signed>) =>
      cannon({ url: app.url + path, connections, amount, requests });
    await load('/health/live', 500); // warm-up: JIT, connection pool
    baseline = await load('/health/live', events);
    approve = await load(PATH, events, signed());
    duplicate = await load(PATH, events, signed());
  } finally {
    await app.stop();
  }
  const hmac = hmacPerSec(bodies);

  const check = await withBenchClient(async (db) => {
    const q = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0].n);
    return {
      confirmed: await q(`SELECT count(*) AS n FROM reservations WHERE status = 'CONFIRMED'`),
      success: await q(`SELECT count(*) AS n FROM payment_transactions WHERE status = 'SUCCESS'`),
      inbox: await q(`SELECT count(*) AS n FROM webhook_inbox WHERE result = 'CONFIRMED'`),
    };
  }, url);
  const exact = [
    check.confirmed,
    check.success,
    check.inbox,
    approve.statusCodes['202'],
    duplicate.statusCodes['200'],
  ].every((n) => n === events);
  const applied = `${check.confirmed} CONFIRMED, ${check.success} SUCCESS, ${check.inbox} inbox rows`;
  if (!exact)
    ctx.fail(`webhook: ${events} events, ${applied}, statuses ${JSON.stringify(approve.statusCodes)}`);
  ctx.log(
    `webhook: ${approve.okPerSec.toFixed(0)}/s vs /health/live ${baseline.okPerSec.toFixed(0)}/s; ${applied}`,
  );
  const statuses = (r: LoadResult) =>
    Object.entries(r.statusCodes)
      .map(([code, n]) => `${code}:${n}`)
      .join(' ');
  const vsBaseline = (r: LoadResult) => `p50 ${r.p50Ms} vs ${baseline.p50Ms} ms`;
  return [
    {
      scenario: 'webhook APPROVED → CONFIRMED',
      metric: 'req/s',
      service: approve.okPerSec,
      ceiling: baseline.okPerSec,
      note: `vs GET /health/live, same load; ${statuses(approve)}; ${exact ? 'applied exactly once' : 'MISMATCH'}`,
    },
    {
      scenario: 'webhook APPROVED → CONFIRMED',
      metric: 'p99 ms',
      service: approve.p99Ms,
      ceiling: baseline.p99Ms,
      note: vsBaseline(approve),
    },
    {
      scenario: 'webhook replay (duplicate)',
      metric: 'req/s',
      service: duplicate.okPerSec,
      ceiling: baseline.okPerSec,
      note: `the same events again: the dedup path; ${statuses(duplicate)}`,
    },
    {
      scenario: 'webhook replay (duplicate)',
      metric: 'p99 ms',
      service: duplicate.p99Ms,
      ceiling: baseline.p99Ms,
      note: vsBaseline(duplicate),
    },
    {
      scenario: 'webhook signature check',
      metric: 'verifications/s',
      service: hmac,
      note: `bare HMAC of the same bodies in this process, no HTTP: ${(hmac / baseline.okPerSec).toFixed(0)}× /health/live`,
    },
  ];
}

export const webhook: Scenario = { name: 'webhook', run: runWebhook };
