import { withBenchClient } from '../support/bench-db';
import { JsonClient } from '../support/load';
import { Scenario } from '../support/runner';

const ATTEMPTS = 500;
const SEATS = 10;
const ROUNDS = 6;

/**
 * 500 holds at once from 500 users on 10 seats (50 per seat), repeated over fresh seats. Exactly 10 must
 * win each round, all others get 409 SEAT_NOT_AVAILABLE, and the database must agree; attempts/s is the
 * rate at which the service settles the contention.
 */
export const hotSeat: Scenario = {
  name: 'hot-seat',
  async run(ctx) {
    const { app, seeded, tokens } = await ctx.startService({ hot: ROUNDS * SEATS });
    const client = new JsonClient(app.url, ATTEMPTS);
    const problems: string[] = [];
    let busyMs = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const firstSeat = seeded.options.hot.first + round * SEATS;
        const started = performance.now();
        const responses = await Promise.all(
          Array.from({ length: ATTEMPTS }, (_, i) =>
            client.post('/api/reservations/v7/holds', tokens[i], { seatId: firstSeat + (i % SEATS) }),
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
                [firstSeat, firstSeat + SEATS - 1],
              )
            ).rows[0],
        );
        if (winners !== SEATS || refused !== ATTEMPTS - SEATS) {
          problems.push(`round ${round}: ${winners} winners, ${refused} SEAT_NOT_AVAILABLE`);
        }
        if (live.seats !== SEATS || live.rows !== SEATS) {
          problems.push(`round ${round}: database has ${live.rows} live holds on ${live.seats} seats`);
        }
      }
    } finally {
      client.close();
      await app.stop();
    }
    if (problems.length) ctx.fail(`hot seat: ${problems.join('; ')}`);
    const attemptsPerSec = (ROUNDS * ATTEMPTS) / (busyMs / 1000);
    ctx.log(
      `hot seat: ${attemptsPerSec.toFixed(0)} attempts/s, exactly ${SEATS} winners: ${!problems.length}`,
    );
    return [
      {
        scenario: 'hot seat',
        metric: 'attempts/s',
        service: attemptsPerSec,
        note: `${ATTEMPTS} at once on ${SEATS} seats × ${ROUNDS} rounds; exactly ${SEATS} winners: ${problems.length ? 'NO' : 'yes'}`,
      },
    ];
  },
};
