import { withBenchClient } from '../support/bench-db';
import { Row } from '../support/report';
import { Scenario } from '../support/runner';
import { holdLoad, HoldResult, holdSeats } from './hold';

/** The policy's per-user limit: the most the contract allows, so that no hold of the run is refused. */
const LIMIT = 50;

/**
 * The hold with a sales policy against the hold without one, in one service process: after a warm-up leg,
 * legs on an option whose concert has no policy (A) and on one whose concert has a policy (B: a past
 * presale for GOLD, the general sale open, a limit of 50), in the order A B B A so that a steady drift of
 * the machine falls on both alike. The policy adds a join and a comparison to the hold statement; the
 * purchase count is kept either way.
 */
export const holdPolicy: Scenario = {
  name: 'hold-policy',
  async run(ctx): Promise<Row[]> {
    const seats = holdSeats(ctx.args.duration);
    const { app, seeded, tokens } = await ctx.startService({
      warm: seats,
      a1: seats,
      b1: seats,
      b2: seats,
      a2: seats,
    });
    // A leg at up to 3,000 holds/s must not bring the users (round-robin) to the limit.
    if (3000 * (ctx.args.duration + 2) > tokens.length * LIMIT) {
      ctx.note(`hold-policy: at this duration ${tokens.length} users may reach the limit of ${LIMIT}`);
    }
    await withBenchClient(async (db) => {
      // The B options move to a concert of their own, which gets the policy.
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO concerts (title, artist_name) VALUES ('Bench concert with a policy', 'Bench') RETURNING id`,
      );
      await db.query(`UPDATE concert_options SET concert_id = $1 WHERE id = ANY($2)`, [
        rows[0].id,
        [seeded.options.b1.optionId, seeded.options.b2.optionId],
      ]);
      await db.query(
        `INSERT INTO sales_policies (concert_id, presale_start_at, presale_end_at, presale_minimum_tier,
                                     general_sale_start_at, max_reservations_per_user)
         VALUES ($1, now() - interval '3 hours', now() - interval '2 hours', 'GOLD', now() - interval '1 hour', $2)`,
        [rows[0].id, LIMIT],
      );
    });
    const legs: { policy: boolean; result: HoldResult }[] = [];
    try {
      // The first seconds of a fresh process (JIT, plans, pool) would count against whichever leg ran first.
      await holdLoad(app, seeded.options.warm, tokens, ctx.args.duration);
      for (const name of ['a1', 'b1', 'b2', 'a2']) {
        // Each leg starts with nobody near the limit (the rows stay: the upsert takes the same path).
        await withBenchClient((db) => db.query(`UPDATE purchase_counts SET active = 0`));
        const result = await holdLoad(app, seeded.options[name], tokens, ctx.args.duration);
        legs.push({ policy: name.startsWith('b'), result });
        ctx.log(`hold-policy ${name}: ${result.okPerSec.toFixed(0)} holds/s, p99 ${result.p99Ms} ms`);
        if (result.non2xx || result.errors) {
          ctx.fail(
            `hold-policy ${name}: ${result.non2xx} non-2xx, ${result.errors} errors ${JSON.stringify(result.statusCodes)}`,
          );
        }
      }
    } finally {
      await app.stop();
    }
    const mean = (policy: boolean, pick: (r: HoldResult) => number) => {
      const of = legs.filter((l) => l.policy === policy).map((l) => pick(l.result));
      return of.reduce((a, b) => a + b, 0) / of.length;
    };
    const [withRate, withoutRate] = [mean(true, (r) => r.okPerSec), mean(false, (r) => r.okPerSec)];
    // Issue 20's "within 10 %" is about what a policy costs: a policy leg that comes out faster is the
    // machine's drift, not a miss.
    const within = withRate >= 0.9 * withoutRate;
    return [
      {
        scenario: 'hold with a sales policy',
        metric: 'holds/s',
        service: withRate,
        ceiling: withoutRate,
        note: `ceiling: the same hold without a policy, legs A B B A after a warm-up; target at most 10 % slower (${within ? 'met' : 'not met'})`,
      },
      {
        scenario: 'hold with a sales policy',
        metric: 'p99 ms',
        service: mean(true, (r) => r.p99Ms),
        ceiling: mean(false, (r) => r.p99Ms),
        note: `app CPU ms/hold ${mean(true, (r) => r.cpuMsPerHold).toFixed(2)} with, ${mean(false, (r) => r.cpuMsPerHold).toFixed(2)} without`,
      },
    ];
  },
};
