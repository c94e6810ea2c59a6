import { withBenchClient } from '../support/bench-db';
import { JsonClient } from '../support/load';
import { Row } from '../support/report';
import { Scenario } from '../support/runner';

const FANS = 200;
const ROUNDS = 10;

/** PostgreSQL's own count of deadlocks detected in the bench database. */
const deadlocks = () =>
  withBenchClient(
    async (db) =>
      (
        await db.query<{ n: number }>(
          `SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()`,
        )
      ).rows[0].n,
  );

/**
 * What the database holds for the round's seats: orders with every item live (`whole`), orders with some
 * item not live (`broken`), and seats with more than one live reservation (`twice`).
 */
const roundInDb = (first: number, last: number) =>
  withBenchClient(
    async (db) =>
      (
        await db.query<{ whole: number; broken: number; twice: number }>(
          `WITH r AS (SELECT * FROM reservations WHERE seat_id BETWEEN $1 AND $2),
                o AS (SELECT order_id, bool_and(status = 'HOLD') AS live FROM reservations
                       WHERE order_id IN (SELECT order_id FROM r) GROUP BY order_id)
           SELECT (SELECT count(*) FROM o WHERE live)::int AS whole,
                  (SELECT count(*) FROM o WHERE NOT live)::int AS broken,
                  (SELECT count(*) FROM (SELECT seat_id FROM r WHERE status IN ('HOLD', 'PAYING', 'CONFIRMED')
                    GROUP BY seat_id HAVING count(*) > 1) t)::int AS twice`,
          [first, last],
        )
      ).rows[0],
  );

/**
 * 200 fans at once, fan i ordering the pair (seat i, seat i + 1) of a fresh row of 201 seats, every other
 * fan naming the pair in the opposite order: each pair overlaps both neighbours, so the orders can only
 * succeed or be refused whole, and two orders locking in request order would deadlock. Repeated over fresh
 * seats. Checks: no 5xx, no deadlock (PostgreSQL's counter), every refusal a 409, every winner's order
 * whole in the database and no seat held twice.
 */
export const overlapStorm: Scenario = {
  name: 'overlap-storm',
  async run(ctx): Promise<Row[]> {
    const { app, seeded, tokens } = await ctx.startService({ storm: ROUNDS * (FANS + 1) });
    const { first: firstSeat, optionId } = seeded.options.storm;
    const client = new JsonClient(app.url, FANS);
    const statuses: Record<string, number> = {};
    const problems: string[] = [];
    let winners = 0;
    let busyMs = 0;
    const deadlocksBefore = await deadlocks();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const base = firstSeat + round * (FANS + 1);
        const started = performance.now();
        const answers = await Promise.all(
          Array.from({ length: FANS }, (_, i) => {
            const pair = i % 2 ? [base + i + 1, base + i] : [base + i, base + i + 1];
            return client
              .post('/api/orders', tokens[i], { optionId, seatIds: pair })
              .catch(() => ({ status: 0, body: {} }));
          }),
        );
        busyMs += performance.now() - started;
        let won = 0;
        for (const a of answers) {
          const code =
            a.status === 409 ? `409 ${(a.body as { errorCode?: string }).errorCode}` : String(a.status);
          statuses[code] = (statuses[code] ?? 0) + 1;
          if (a.status === 201) {
            won += 1;
            if ((a.body as { items: unknown[] }).items.length !== 2)
              problems.push(`round ${round}: an order of one seat`);
          }
        }
        winners += won;
        const db = await roundInDb(base, base + FANS);
        if (db.whole !== won || db.broken || db.twice) {
          problems.push(`round ${round}: ${won} answered 201, database ${JSON.stringify(db)}`);
        }
      }
    } finally {
      client.close();
      await app.stop();
    }
    const deadlocked = (await deadlocks()) - deadlocksBefore;
    const bad = Object.entries(statuses).filter(
      ([code]) => code !== '201' && !/^409 SEAT_(NOT_AVAILABLE|BEING_SELECTED)$/.test(code),
    );
    if (deadlocked) problems.push(`${deadlocked} deadlocks detected by PostgreSQL`);
    if (bad.length)
      problems.push(`answers other than 201 or 409: ${JSON.stringify(Object.fromEntries(bad))}`);
    if (problems.length) ctx.fail(`overlap storm: ${problems.slice(0, 5).join('; ')}`);
    const attemptsPerSec = (ROUNDS * FANS) / (busyMs / 1000);
    ctx.log(
      `overlap storm: ${attemptsPerSec.toFixed(0)} orders/s settled, ${winners} won, ${deadlocked} deadlocks`,
    );
    return [
      {
        scenario: 'overlap storm',
        metric: 'orders/s settled',
        service: attemptsPerSec,
        note: `${FANS} fans at once on overlapping pairs × ${ROUNDS} rounds; ${(winners / ROUNDS).toFixed(0)} whole orders a round; answers ${JSON.stringify(statuses)}`,
      },
      {
        scenario: 'overlap storm',
        metric: 'deadlocks',
        service: deadlocked,
        note: `must be 0 (pg_stat_database.deadlocks); every order whole or refused: ${problems.length ? 'NO' : 'yes'}`,
      },
    ];
  },
};
