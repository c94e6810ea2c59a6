import type { ServerProcess } from './support/app-process';
import { SeatRange, withBenchClient } from './support/bench-db';
import { cannon, LoadResult } from './support/load';
import { pgbenchHold, PgbenchResult } from './support/pgbench';

export const HOLD_CONNECTIONS = 64;
/** pgbench clients = the app's DATABASE_POOL_SIZE default: both sides get the same database connections. */
export const PGBENCH_CLIENTS = 20;
const HOLDS_PATH = '/api/reservations/v7/holds';

export interface HoldServiceResult extends LoadResult {
  /** HOLD rows in the database for the option, against the 201s counted by the client. */
  rowsInDb: number;
  created: number;
  /** The app's CPU time per successful hold during the measured window. */
  cpuMsPerHold: number;
}

/**
 * POST /holds from 64 connections, every request a distinct seat and one of many users (round-robin),
 * after a short warm-up on the same option. Running out of seats would show up as non-2xx (404s).
 */
export async function holdService(
  app: ServerProcess,
  seats: SeatRange,
  tokens: string[],
  durationSec: number,
  databaseUrl?: string,
): Promise<HoldServiceResult> {
  let nextSeat = seats.first;
  let nextUser = 0;
  const requests = [
    {
      method: 'POST' as const,
      path: HOLDS_PATH,
      setupRequest: (req: object) => {
        const token = tokens[nextUser++ % tokens.length];
        return {
          ...req,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ seatId: nextSeat++ }),
        };
      },
    },
  ];
  await cannon({ url: app.url, connections: HOLD_CONNECTIONS, durationSec: 2, requests });
  const warmUp = nextSeat - seats.first;
  const cpuBefore = app.cpuMs();
  const result = await cannon({ url: app.url, connections: HOLD_CONNECTIONS, durationSec, requests });
  const cpuMsPerHold = (app.cpuMs() - cpuBefore) / Math.max(1, result.okPerSec * durationSec);
  const rowsInDb = await withBenchClient(
    async (db) =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM reservations WHERE option_id = $1 AND status = 'HOLD'`,
          [seats.optionId],
        )
      ).rows[0].n,
    databaseUrl,
  );
  return { ...result, rowsInDb: rowsInDb - warmUp, created: result.statusCodes['201'] ?? 0, cpuMsPerHold };
}

/**
 * The ceiling: the same hold transaction by pgbench, same database, its own seats. By default with as
 * many clients as the app has database connections; with HOLD_CONNECTIONS it shows what latency the
 * database alone gives at the concurrency the service is measured at.
 */
export async function holdCeiling(
  seats: SeatRange,
  userIds: number[],
  durationSec: number,
  clients = PGBENCH_CLIENTS,
): Promise<PgbenchResult> {
  return pgbenchHold({ seats, userIds, clients, durationSec });
}
