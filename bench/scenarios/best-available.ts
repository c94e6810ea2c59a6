import { rowLabel } from '../../src/modules/catalog/seat-numbering';
import { withBenchClient } from '../support/bench-db';
import { JsonClient, percentile } from '../support/load';
import { Row } from '../support/report';
import { Scenario } from '../support/runner';
import { sessionTokens } from '../support/tokens';
import { ORDER_SEATS } from './order-hold';

const SHOW_SEATS = 5000;
const CONNECTIONS = 64;
/** The zones, by rows of 20 seats: VIP the front 25 rows, R the next 75, S the last 150. */
const ZONES = [
  { name: 'VIP', priceAmount: 150000, rows: [0, 25] },
  { name: 'R', priceAmount: 120000, rows: [25, 100] },
  { name: 'S', priceAmount: 90000, rows: [100, 250] },
] as const;

interface Run {
  orders: number;
  seconds: number;
  latencies: number[];
  /** Seat id → how many 201 answers gave it (more than one: sold twice). */
  given: Map<number, number>;
  statuses: Record<string, number>;
  adjacent: number;
}

/** A show of 5,000 seats (A-1 … in rows of 20) through the admin API; with `zoned`, three zones over it. */
async function createShow(
  client: JsonClient,
  admin: string,
  zoned: boolean,
): Promise<{ optionId: number; zoneIds: number[] }> {
  const concert = await client.post('/api/admin/concerts', admin, { title: 'Bench zoned concert' });
  const concertId = (concert.body as { id: number }).id;
  const concertDate = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
  const option = await client.post(`/api/admin/concerts/${concertId}/options`, admin, {
    concertDate,
    ticketPriceAmount: 50000,
    seatCount: SHOW_SEATS,
  });
  if (option.status !== 201)
    throw new Error(`show not created: ${option.status} ${JSON.stringify(option.body)}`);
  const optionId = (option.body as { id: number }).id;
  if (!zoned) return { optionId, zoneIds: [] };
  const categories = ZONES.map((z) => ({
    name: z.name,
    priceAmount: z.priceAmount,
    rows: Array.from({ length: z.rows[1] - z.rows[0] }, (_, i) => rowLabel(z.rows[0] + i)),
  }));
  const put = await client.request('PUT', `/api/admin/concerts/options/${optionId}/categories`, admin, {
    categories,
  });
  if (put.status !== 200) throw new Error(`zones not saved: ${put.status} ${JSON.stringify(put.body)}`);
  return { optionId, zoneIds: (put.body as { id: number }[]).map((c) => c.id) };
}

/**
 * 64 workers, each ordering ORDER_SEATS seats again and again until the show answers 409: by quantity in
 * its zone (worker i: zone i mod 3), or, with no zones, by id (the next 4 seat ids off a shared counter).
 */
async function sellOut(
  client: JsonClient,
  tokens: string[],
  body: (worker: number) => object | null,
): Promise<Run> {
  const run: Run = { orders: 0, seconds: 0, latencies: [], given: new Map(), statuses: {}, adjacent: 0 };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, worker) => {
      for (let n = 0; ; n++) {
        const request = body(worker);
        if (!request) return;
        const t = performance.now();
        const res = await client
          .post('/api/orders', tokens[(worker * 997 + n) % tokens.length], request)
          .catch(() => ({
            status: 0,
            body: {},
          }));
        run.latencies.push(performance.now() - t);
        run.statuses[res.status] = (run.statuses[res.status] ?? 0) + 1;
        if (res.status !== 201) return;
        const order = res.body as { adjacent: boolean; items: { seatId: number }[] };
        run.orders += 1;
        if (order.adjacent) run.adjacent += 1;
        for (const item of order.items) run.given.set(item.seatId, (run.given.get(item.seatId) ?? 0) + 1);
      }
    }),
  );
  run.seconds = (performance.now() - started) / 1000;
  return run;
}

/** Live reservations on seats that have more than one: must be none. */
const soldTwiceInDb = (optionId: number) =>
  withBenchClient(
    async (db) =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (SELECT seat_id FROM reservations
             WHERE option_id = $1 AND status IN ('HOLD', 'PAYING', 'CONFIRMED')
             GROUP BY seat_id HAVING count(*) > 1) twice`,
          [optionId],
        )
      ).rows[0].n,
  );

/** AVAILABLE seats left per zone after the run: fewer than ORDER_SEATS each, or an order was refused too early. */
const leftPerZone = (optionId: number) =>
  withBenchClient(
    async (db) =>
      (
        await db.query<{ category_id: number; n: number }>(
          `SELECT category_id, count(*)::int AS n FROM seats WHERE option_id = $1 AND status = 'AVAILABLE'
            GROUP BY category_id`,
          [optionId],
        )
      ).rows,
  );

/**
 * Best available, quantity 4, from 64 connections on a 5,000-seat show in three zones, until every zone is
 * sold out; against orders of 4 seats by id on a show of the same size, same harness and concurrency.
 * Checks: no seat given twice (answers and database), no 5xx, every refusal a 409 only once fewer than 4
 * seats of the zone are left.
 */
export const bestAvailable: Scenario = {
  name: 'best-available',
  async run(ctx): Promise<Row[]> {
    const { app, seeded, tokens } = await ctx.startService({});
    const adminId = seeded.userIds[0];
    await withBenchClient((db) => db.query(`UPDATE users SET role = 'ADMIN' WHERE id = $1`, [adminId]));
    const [admin] = sessionTokens([adminId], 'ADMIN');
    const fans = tokens.slice(1);
    const client = new JsonClient(app.url, CONNECTIONS + 4);
    let best: Run;
    let byId: Run;
    let zoned: { optionId: number; zoneIds: number[] };
    try {
      zoned = await createShow(client, admin, true);
      const plain = await createShow(client, admin, false);
      const plainSeats = (
        await withBenchClient((db) =>
          db.query<{ id: number }>(`SELECT id FROM seats WHERE option_id = $1 ORDER BY id`, [plain.optionId]),
        )
      ).rows.map((r) => r.id);
      let next = 0;
      byId = await sellOut(client, fans, () => {
        if (next + ORDER_SEATS > plainSeats.length) return null;
        const seatIds = plainSeats.slice(next, next + ORDER_SEATS);
        next += ORDER_SEATS;
        return { optionId: plain.optionId, seatIds };
      });
      best = await sellOut(client, fans, (worker) => ({
        optionId: zoned.optionId,
        quantity: ORDER_SEATS,
        categoryId: zoned.zoneIds[worker % zoned.zoneIds.length],
      }));
    } finally {
      client.close();
      await app.stop();
    }
    const twiceInAnswers = [...best.given.values()].filter((n) => n > 1).length;
    const twiceInDb = await soldTwiceInDb(zoned.optionId);
    const fiveXx = Object.entries(best.statuses)
      .filter(([code]) => Number(code) >= 500)
      .reduce((a, [, n]) => a + n, 0);
    // Status 0: no answer within the client's 30 s (every request is owed an answer, as much as no 5xx).
    const unanswered = best.statuses['0'] ?? 0;
    const left = await leftPerZone(zoned.optionId);
    const tooEarly = left.filter((z) => z.n >= ORDER_SEATS);
    if (twiceInAnswers || twiceInDb)
      ctx.fail(
        `best-available: seats sold twice: ${twiceInAnswers} in answers, ${twiceInDb} in the database`,
      );
    if (fiveXx) ctx.fail(`best-available: ${fiveXx} answers 5xx ${JSON.stringify(best.statuses)}`);
    if (unanswered) ctx.fail(`best-available: ${unanswered} requests unanswered after 30 s`);
    if (tooEarly.length) ctx.fail(`best-available: refused with seats left ${JSON.stringify(tooEarly)}`);
    const seatsPerSec = (best.orders * ORDER_SEATS) / best.seconds;
    const byIdSeatsPerSec = (byId.orders * ORDER_SEATS) / byId.seconds;
    ctx.log(
      `best-available: ${best.orders} orders in ${best.seconds.toFixed(1)} s, p99 ${percentile(best.latencies, 99).toFixed(0)} ms; by id ${byId.orders} in ${byId.seconds.toFixed(1)} s`,
    );
    return [
      {
        scenario: `best available, quantity ${ORDER_SEATS}`,
        metric: 'seats/s',
        service: seatsPerSec,
        ceiling: byIdSeatsPerSec,
        note: `${SHOW_SEATS} seats in 3 zones sold out by ${CONNECTIONS} connections (${best.orders} orders, ${Math.round((100 * best.adjacent) / Math.max(1, best.orders))} % side by side); ceiling: orders of ${ORDER_SEATS} by id, same size and harness`,
      },
      {
        scenario: `best available, quantity ${ORDER_SEATS}`,
        metric: 'p99 ms',
        service: percentile(best.latencies, 99),
        ceiling: percentile(byId.latencies, 99),
        note: `p50 ${percentile(best.latencies, 50).toFixed(1)} ms vs ${percentile(byId.latencies, 50).toFixed(1)} ms by id`,
      },
      {
        scenario: `best available, quantity ${ORDER_SEATS}`,
        metric: 'seats sold twice',
        service: twiceInAnswers + twiceInDb,
        note: `must be 0 (answers ${twiceInAnswers}, database ${twiceInDb})`,
      },
      {
        scenario: `best available, quantity ${ORDER_SEATS}`,
        metric: '5xx',
        service: fiveXx,
        note: `must be 0; answers ${JSON.stringify(best.statuses)} (0: none within 30 s); seats left per zone ${left.map((z) => z.n).join('/') || '0'} (each < ${ORDER_SEATS})`,
      },
      {
        scenario: `best available, quantity ${ORDER_SEATS}`,
        metric: 'unanswered after 30 s',
        service: unanswered,
        note: 'must be 0: every request is owed an answer',
      },
    ];
  },
};
