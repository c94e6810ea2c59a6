import type { ServerProcess } from '../support/app-process';
import { SeatRange, withBenchClient } from '../support/bench-db';
import { cannon, LoadResult } from '../support/load';
import { pgbenchHold, PgbenchResult } from '../support/pgbench';
import { Row } from '../support/report';
import { BenchContext, Scenario } from '../support/runner';

export const HOLD_CONNECTIONS = 64;
/** pgbench clients = the app's DATABASE_POOL_SIZE default: both sides get the same database connections. */
const PGBENCH_CLIENTS = 20;

export interface HoldResult extends LoadResult {
  /** HOLD rows in the database for the option, against the 201s counted by the client. */
  rowsInDb: number;
  /** The app's CPU time per successful hold during the measured window. */
  cpuMsPerHold: number;
}

/** Seats for a hold run of `durationSec` (plus the warm-up): running out would turn holds into 404s. */
export const holdSeats = (durationSec: number) => 6000 * (durationSec + 3);

/**
 * POST /holds, every request the next seat of the range and the next user (round robin); `seatsUsed`
 * says how far into the range the requests have gone.
 */
export function holdRequests(seats: SeatRange, tokens: string[]) {
  let nextSeat = seats.first;
  let nextUser = 0;
  const seatsUsed = () => nextSeat - seats.first;
  const requests = [
    {
      method: 'POST' as const,
      path: '/api/reservations/v7/holds',
      setupRequest: (req: object) => ({
        ...req,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${tokens[nextUser++ % tokens.length]}`,
        },
        body: JSON.stringify({ seatId: nextSeat++ }),
      }),
    },
  ];
  return { requests, seatsUsed };
}

/**
 * POST /holds from 64 connections, every request a distinct seat and one of many users (round-robin),
 * after a 2 s warm-up on the same option.
 */
export async function holdLoad(
  app: ServerProcess,
  seats: SeatRange,
  tokens: string[],
  durationSec: number,
  databaseUrl?: string,
): Promise<HoldResult> {
  const { requests, seatsUsed } = holdRequests(seats, tokens);
  await settleDatabase(databaseUrl);
  await cannon({ url: app.url, connections: HOLD_CONNECTIONS, durationSec: 2, requests });
  const warmUp = seatsUsed();
  const cpuBefore = app.cpuMs();
  const result = await cannon({ url: app.url, connections: HOLD_CONNECTIONS, durationSec, requests });
  const cpuMsPerHold = (app.cpuMs() - cpuBefore) / Math.max(1, result.okPerSec * durationSec);
  const held = await withBenchClient(
    async (db) =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM reservations WHERE option_id = $1 AND status = 'HOLD'`,
          [seats.optionId],
        )
      ).rows[0].n,
    databaseUrl,
  );
  return { ...result, rowsInDb: held - warmUp, cpuMsPerHold };
}

/**
 * Every leg starts from the same database state: the dead rows the previous legs left (each hold updates a
 * seat, a purchase count and, through the relay, its outbox rows twice) vacuumed and a checkpoint taken.
 * Autovacuum is off on the machines this runs on (`SHOW autovacuum`), so without this each leg ran on more
 * dead rows than the one before, and legs of one kind drifted 3× apart within a run of A B B A legs.
 */
export async function settleDatabase(databaseUrl?: string): Promise<void> {
  await withBenchClient(async (db) => {
    await db.query('VACUUM ANALYZE seats, reservations, orders, purchase_counts, outbox_events');
    await db.query('CHECKPOINT');
  }, databaseUrl);
}

/** The ceiling: the same hold transaction by pgbench (bench/pgbench-hold.sql), same database, no app running. */
async function ceiling(ctx: BenchContext, clients: number, label: string): Promise<PgbenchResult> {
  const seeded = await ctx.seed({ pgbench: 8000 * ctx.args.duration });
  const result = await pgbenchHold({
    seats: seeded.options.pgbench,
    userIds: seeded.userIds,
    clients,
    durationSec: ctx.args.duration,
  });
  ctx.log(`pgbench hold (${label}): ${result.tps.toFixed(0)} tx/s, p99 ${result.p99Ms.toFixed(1)} ms`);
  return result;
}

/**
 * The service's hold against pgbench running the same transaction, before and after the service (the app
 * stopped, so its outbox relay cannot publish pgbench's events); their mean is the ceiling. pgbench with
 * 64 clients shows what the database alone gives at the service's concurrency.
 */
export const hold: Scenario = {
  name: 'hold',
  async run(ctx): Promise<Row[]> {
    const before = await ceiling(ctx, PGBENCH_CLIENTS, 'before');
    const { app, seeded, tokens } = await ctx.startService({ hold: holdSeats(ctx.args.duration) });
    let h: HoldResult;
    try {
      h = await holdLoad(app, seeded.options.hold, tokens, ctx.args.duration);
    } finally {
      await app.stop();
    }
    const created = h.statusCodes['201'] ?? 0;
    ctx.log(
      `hold: ${h.okPerSec.toFixed(0)} holds/s, p99 ${h.p99Ms} ms, 201s ${created} vs HOLD rows ${h.rowsInDb}`,
    );
    if (h.non2xx || h.errors)
      ctx.note(`hold: ${h.non2xx} non-2xx, ${h.errors} errors ${JSON.stringify(h.statusCodes)}`);
    ctx.holdOnSystem = h;
    const after = await ceiling(ctx, PGBENCH_CLIENTS, 'after');
    const same = await ceiling(ctx, HOLD_CONNECTIONS, `${HOLD_CONNECTIONS} clients`);
    const tps = (before.tps + after.tps) / 2;
    const met = (ok: boolean) => (ok ? 'met' : 'not met');
    return [
      {
        scenario: 'hold',
        metric: 'holds/s',
        service: h.okPerSec,
        ceiling: tps,
        note: `target ≥ 0.80× (${met(h.okPerSec / tps >= 0.8)}); pgbench before/after ${before.tps.toFixed(0)}/${after.tps.toFixed(0)} tx/s`,
      },
      {
        scenario: 'hold',
        metric: 'p99 ms',
        service: h.p99Ms,
        ceiling: (before.p99Ms + after.p99Ms) / 2,
        note: `target < 50 ms (${met(h.p99Ms < 50)}); ${HOLD_CONNECTIONS} HTTP conn vs ${PGBENCH_CLIENTS} pgbench clients`,
      },
      {
        scenario: 'hold',
        metric: `holds/s, ${HOLD_CONNECTIONS} conn`,
        service: h.okPerSec,
        ceiling: same.tps,
        note: `pgbench with ${HOLD_CONNECTIONS} clients: the database alone at the service's concurrency`,
      },
      {
        scenario: 'hold',
        metric: `p99 ms, ${HOLD_CONNECTIONS} conn`,
        service: h.p99Ms,
        ceiling: same.p99Ms,
        note: `p50 ${h.p50Ms} ms vs pgbench p50 ${same.p50Ms.toFixed(1)} ms`,
      },
      {
        scenario: 'hold',
        metric: 'app CPU ms/hold',
        service: h.cpuMsPerHold,
        note: 'the service process only (user+sys); steadier than holds/s on a busy machine',
      },
    ];
  },
};
