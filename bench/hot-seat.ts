import type { ServerProcess } from './support/app-process';
import { SeatRange, withBenchClient } from './support/bench-db';
import { JsonClient } from './support/load';

export const HOT_SEAT_ATTEMPTS = 500;
export const HOT_SEATS = 10;

export interface HotSeatResult {
  rounds: number;
  attemptsPerSec: number;
  /** Every round had exactly HOT_SEATS winners (201), all others 409 SEAT_NOT_AVAILABLE, and the database agrees. */
  exact: boolean;
  problems: string[];
}

/**
 * 500 holds at once from 500 users on 10 seats (50 per seat), repeated over fresh seats.
 * Exactly 10 must win each round; attempts/s is the rate at which the service settles the contention.
 */
export async function hotSeat(
  app: ServerProcess,
  seats: SeatRange,
  tokens: string[],
  rounds: number,
): Promise<HotSeatResult> {
  if (tokens.length < HOT_SEAT_ATTEMPTS) throw new Error(`hot seat needs ${HOT_SEAT_ATTEMPTS} users`);
  if (seats.last - seats.first + 1 < rounds * HOT_SEATS) throw new Error('hot seat needs more seats');
  const client = new JsonClient(app.url, HOT_SEAT_ATTEMPTS);
  const problems: string[] = [];
  let busyMs = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const firstSeat = seats.first + round * HOT_SEATS;
      const started = performance.now();
      const responses = await Promise.all(
        Array.from({ length: HOT_SEAT_ATTEMPTS }, (_, i) =>
          client.post('/api/reservations/v7/holds', tokens[i], { seatId: firstSeat + (i % HOT_SEATS) }),
        ),
      );
      busyMs += performance.now() - started;
      const winners = responses.filter((r) => r.status === 201).length;
      const refused = responses.filter(
        (r) => r.status === 409 && (r.body as { errorCode?: string }).errorCode === 'SEAT_NOT_AVAILABLE',
      ).length;
      const live = await withBenchClient(
        async (db) =>
          (
            await db.query<{ seats: number; rows: number }>(
              `SELECT count(DISTINCT seat_id)::int AS seats, count(*)::int AS rows FROM reservations
                WHERE seat_id BETWEEN $1 AND $2 AND status IN ('HOLD', 'PAYING', 'CONFIRMED')`,
              [firstSeat, firstSeat + HOT_SEATS - 1],
            )
          ).rows[0],
      );
      if (winners !== HOT_SEATS || refused !== HOT_SEAT_ATTEMPTS - HOT_SEATS) {
        problems.push(`round ${round}: ${winners} winners, ${refused} SEAT_NOT_AVAILABLE`);
      }
      if (live.seats !== HOT_SEATS || live.rows !== HOT_SEATS) {
        problems.push(`round ${round}: database has ${live.rows} live holds on ${live.seats} seats`);
      }
    }
  } finally {
    client.close();
  }
  return {
    rounds,
    attemptsPerSec: (rounds * HOT_SEAT_ATTEMPTS) / (busyMs / 1000),
    exact: problems.length === 0,
    problems,
  };
}
