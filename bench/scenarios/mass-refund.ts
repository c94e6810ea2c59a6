/**
 * Show cancellation: 10,000 paid orders (one seat each, mock provider) cancelled with
 * MASS_REFUND_PER_SECOND=500, by the service (node dist/main.js children on a database of their own, sharing
 * Redis for the pace). The baseline, measured in the same run, is the pace itself: 10,000 / 500 = 20 s.
 * `mass-refund`: one instance, undisturbed. `mass-refund-kill`: two instances; the one holding leases is
 * SIGKILLed halfway and started again at once; the time lost is the wall time minus the undisturbed run's.
 * Both check 0 double refunds (one SUCCESS REFUND per item) and, for the kill, the money and seat invariants
 * over all orders (support/invariants.ts).
 *
 *   npm run bench -- --only mass-refund,mass-refund-kill [--no-record]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { moneyAndSeatProblems } from '../../support/invariants';
import { ServerProcess, startApp } from '../support/app-process';
import { recreateBenchDatabase, REDIS_URLS } from '../support/bench-db';
import { BenchContext, Scenario } from '../support/runner';
import { sessionTokens } from '../support/tokens';

export const PAID_ORDERS = 10_000;
export const REFUNDS_PER_SECOND = 500;
const PACE_SECONDS = PAID_ORDERS / REFUNDS_PER_SECOND;
const FANS = 1000;
const PRICE = 50_000;
const RUN_TIMEOUT_MS = 10 * 60_000;

interface Seeded {
  url: string;
  optionId: number;
  adminToken: string;
}

/** 10,000 CONFIRMED one-seat orders with their captured payments, written in SQL (the triggers make the orders). */
async function seed(): Promise<Seeded> {
  const url = await recreateBenchDatabase('cancellation');
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO users (username, password_hash) SELECT 'fan' || g, 'x' FROM generate_series(1, $1::int) g`,
      [FANS],
    );
    const [{ id: adminId }] = (
      await db.query<{ id: number }>(
        `INSERT INTO users (username, password_hash, role) VALUES ('admin', 'x', 'ADMIN') RETURNING id`,
      )
    ).rows;
    await db.query(`INSERT INTO concerts (title) VALUES ('Called off')`);
    await db.query(
      `INSERT INTO concert_options (concert_id, concert_date, ticket_price_amount) VALUES (1, now() + interval '30 days', $1)`,
      [PRICE],
    );
    await db.query(
      `INSERT INTO seats (option_id, seat_number, status) SELECT 1, 'S-' || g, 'RESERVED' FROM generate_series(1, $1::int) g`,
      [PAID_ORDERS],
    );
    await db.query(
      `INSERT INTO reservations (user_id, seat_id, option_id, concert_id, status, amount, reserved_at, hold_expires_at,
                                 confirmed_at, updated_at)
       SELECT 1 + (s.id % $1), s.id, 1, 1, 'CONFIRMED', $2, now(), now() + interval '5 minutes', now(), now()
         FROM seats s ORDER BY s.id`,
      [FANS, PRICE],
    );
    await db.query(
      `INSERT INTO payment_transactions (user_id, reservation_id, type, status, payment_method, payment_provider,
                                         provider_transaction_id, amount, idempotency_key)
       SELECT user_id, id, 'PAYMENT', 'SUCCESS', 'CARD', 'mock', 'mock_pay-' || id, amount, 'pay-' || id
         FROM reservations ORDER BY id`,
    );
    await db.query(
      `INSERT INTO purchase_counts (user_id, concert_id, active)
       SELECT user_id, concert_id, count(*) FROM reservations GROUP BY user_id, concert_id`,
    );
    await db.query('VACUUM ANALYZE');
    return { url, optionId: 1, adminToken: sessionTokens([adminId], 'ADMIN')[0] };
  } finally {
    await db.end();
  }
}

async function startInstance(ctx: BenchContext, url: string): Promise<ServerProcess> {
  return startApp({
    entry: ctx.entry(),
    env: {
      DATABASE_URL: url,
      REDIS_URL: REDIS_URLS.cancellation,
      MASS_REFUND_PER_SECOND: String(REFUNDS_PER_SECOND),
      PAYMENT_PROVIDER: 'mock',
    },
  });
}

interface Outcome {
  wallSeconds: number;
  refunded: number;
  failed: number;
  doubleRefunds: number;
  invariantProblems: string[];
  /** The kill only: the rows the dead instance held, and how long until the survivors had all of them. */
  heldAtKill?: number;
  takeoverSeconds?: number;
}

/** Cancels the show through `app`, calls `midway` once the run is halfway, waits for the end, then checks. */
async function cancelAndWait(
  seeded: Seeded,
  app: () => ServerProcess,
  midway?: (db: Client, runId: number) => Promise<Partial<Outcome>>,
): Promise<Outcome> {
  const db = new Client({ connectionString: seeded.url });
  await db.connect();
  try {
    const res = await fetch(`${app().url}/api/admin/concerts/options/${seeded.optionId}/cancellation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${seeded.adminToken}` },
      body: JSON.stringify({ reason: 'Benchmark: the venue is closed' }),
    });
    if (res.status !== 202) throw new Error(`cancellation answered ${res.status}: ${await res.text()}`);
    const runId = ((await res.json()) as { id: number }).id;
    let extra: Partial<Outcome> = {};
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    for (;;) {
      const [run] = (
        await db.query<{ status: string; done: number }>(
          `SELECT r.status, (SELECT count(*)::int FROM cancellation_run_orders o
                              WHERE o.run_id = r.id AND o.result <> 'PENDING') AS done
             FROM cancellation_runs r WHERE r.id = $1`,
          [runId],
        )
      ).rows;
      if (run.status !== 'RUNNING') break;
      if (midway && run.done >= PAID_ORDERS / 2) {
        extra = await midway(db, runId);
        midway = undefined;
      }
      if (Date.now() > deadline)
        throw new Error(`run ${runId} still RUNNING after ${RUN_TIMEOUT_MS / 1000} s`);
      await sleep(100);
    }
    const [row] = (
      await db.query<{ wall: number; refunded: number; failed: number }>(
        `SELECT extract(epoch FROM r.finished_at - r.created_at)::float8 AS wall,
                (SELECT count(*)::int FROM cancellation_run_orders o WHERE o.run_id = r.id AND o.result = 'REFUNDED') AS refunded,
                (SELECT count(*)::int FROM cancellation_run_orders o WHERE o.run_id = r.id AND o.result = 'FAILED') AS failed
           FROM cancellation_runs r WHERE r.id = $1`,
        [runId],
      )
    ).rows;
    const [{ doubles }] = (
      await db.query<{ doubles: number }>(
        `SELECT count(*)::int AS doubles FROM (
           SELECT reservation_id FROM payment_transactions WHERE type = 'REFUND' AND status = 'SUCCESS'
            GROUP BY reservation_id HAVING count(*) > 1) d`,
      )
    ).rows;
    const ds = new DataSource({ type: 'postgres', url: seeded.url });
    await ds.initialize();
    const invariantProblems = await moneyAndSeatProblems(ds).finally(() => ds.destroy());
    return {
      wallSeconds: row.wall,
      refunded: row.refunded,
      failed: row.failed,
      doubleRefunds: doubles,
      invariantProblems,
      ...extra,
    };
  } finally {
    await db.end();
  }
}

function check(ctx: BenchContext, name: string, o: Outcome): void {
  if (o.doubleRefunds > 0) ctx.fail(`${name}: ${o.doubleRefunds} items refunded twice`);
  if (o.refunded !== PAID_ORDERS)
    ctx.fail(`${name}: ${o.refunded} of ${PAID_ORDERS} refunded (${o.failed} FAILED)`);
  if (o.invariantProblems.length) ctx.fail(`${name}: invariants broken: ${o.invariantProblems.join('; ')}`);
}

async function flushPace(): Promise<void> {
  const redis = new Redis(REDIS_URLS.cancellation);
  await redis.flushdb();
  await redis.quit();
}

/** Shared between the two scenarios of one run: the undisturbed wall time, to say what the kill cost. */
let undisturbedSeconds: number | undefined;

export const massRefund: Scenario = {
  name: 'mass-refund',
  timeoutSec: () => 900,
  async run(ctx) {
    const seeded = await seed();
    await flushPace();
    const app = await startInstance(ctx, seeded.url);
    let o: Outcome;
    try {
      o = await cancelAndWait(seeded, () => app);
    } finally {
      await app.stop();
    }
    check(ctx, 'mass-refund', o);
    undisturbedSeconds = o.wallSeconds;
    const within = o.wallSeconds <= PACE_SECONDS * 1.1;
    ctx.log(`10,000 refunds in ${o.wallSeconds.toFixed(1)} s (pace ${PACE_SECONDS} s)`);
    return [
      {
        scenario: 'mass-refund',
        metric: 'wall time s (10,000 orders)',
        service: o.wallSeconds,
        ceiling: PACE_SECONDS,
        note: `ceiling = ${PAID_ORDERS} / ${REFUNDS_PER_SECOND} per s; target within 10 % (${within ? 'met' : 'NOT met'}); one instance`,
      },
      {
        scenario: 'mass-refund',
        metric: 'refunds per second',
        service: o.refunded / o.wallSeconds,
        ceiling: REFUNDS_PER_SECOND,
        note: `mean over the run: the window starts empty, so the first ${REFUNDS_PER_SECOND} go at once and the mean may pass the pace`,
      },
      {
        scenario: 'mass-refund',
        metric: 'double refunds',
        service: o.doubleRefunds,
        note: `target 0; ${o.refunded} REFUNDED, ${o.failed} FAILED; invariants ${o.invariantProblems.length ? 'BROKEN' : 'hold'}`,
      },
    ];
  },
};

export const massRefundKill: Scenario = {
  name: 'mass-refund-kill',
  timeoutSec: () => 900,
  async run(ctx) {
    const seeded = await seed();
    await flushPace();
    let a = await startInstance(ctx, seeded.url);
    const b = await startInstance(ctx, seeded.url);
    let o: Outcome;
    try {
      o = await cancelAndWait(
        seeded,
        () => b,
        async (db, runId) => {
          const pid = `:${a.pid}:`;
          const heldRows = async () =>
            (
              await db.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM cancellation_run_orders
                  WHERE run_id = $1 AND result = 'PENDING' AND claimed_by LIKE '%' || $2 || '%'`,
                [runId, pid],
              )
            ).rows[0].n;
          a.child.kill('SIGKILL');
          const killedAt = Date.now();
          const heldAtKill = await heldRows();
          a = await startInstance(ctx, seeded.url); // restarted at once, as an orchestrator would
          while ((await heldRows()) > 0 && Date.now() - killedAt < 120_000) await sleep(100);
          return { heldAtKill, takeoverSeconds: (Date.now() - killedAt) / 1000 };
        },
      );
    } finally {
      await a.stop();
      await b.stop();
    }
    check(ctx, 'mass-refund-kill', o);
    const lost = undisturbedSeconds === undefined ? undefined : o.wallSeconds - undisturbedSeconds;
    ctx.log(
      `with a SIGKILL midway: ${o.wallSeconds.toFixed(1)} s; the dead instance held ${o.heldAtKill} rows`,
    );
    return [
      {
        scenario: 'mass-refund-kill',
        metric: 'wall time s (10,000 orders, one SIGKILL)',
        service: o.wallSeconds,
        ceiling: undisturbedSeconds ?? PACE_SECONDS,
        note: `ceiling = the undisturbed run${undisturbedSeconds === undefined ? ' (not run: the pace)' : ''}; time lost ${lost === undefined ? '?' : lost.toFixed(1)} s; two instances, one killed at half and restarted`,
      },
      {
        scenario: 'mass-refund-kill',
        metric: "dead instance's rows taken over after s",
        service: o.takeoverSeconds ?? NaN,
        note: `${o.heldAtKill} rows leased at the kill; contract: within 30 s`,
      },
      {
        scenario: 'mass-refund-kill',
        metric: 'double refunds',
        service: o.doubleRefunds,
        note: `target 0; ${o.refunded} REFUNDED, ${o.failed} FAILED; invariants over all ${PAID_ORDERS} orders ${o.invariantProblems.length ? 'BROKEN' : 'hold'}`,
      },
    ];
  },
};
