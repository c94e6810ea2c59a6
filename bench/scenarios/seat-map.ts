import { seatNumbers } from '../../src/modules/catalog/seat-numbering';
import { withBenchClient } from '../support/bench-db';
import { cannon, LoadResult } from '../support/load';
import { Row } from '../support/report';
import { Scenario } from '../support/runner';

/** The contract's largest option. */
export const SEAT_MAP_SEATS = 5000;
const CONNECTIONS = 16;
/** Seat maps requested per second of `--duration` (every one awaited): about what the app serves. */
const MAPS_PER_SECOND = 40;
/** Four zones by rows (250 rows of 20, front-most first): how many rows each takes, and its price. */
const ZONES = [
  { name: 'VIP', rows: 25, price: 180_000 },
  { name: 'R', rows: 75, price: 150_000 },
  { name: 'S', rows: 75, price: 120_000 },
  { name: 'A', rows: 75, price: 90_000 },
];

/**
 * An option of SEAT_MAP_SEATS seats numbered as the admin API numbers them (A-1 … IP-20), a third of them
 * held or sold, in SQL; with `zoned`, every seat in one of four zones by rows, as the admin's PUT leaves them.
 */
async function seatMapOption(concertId: number, zoned: boolean): Promise<number> {
  return withBenchClient(async (db) => {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO concert_options (concert_id, concert_date, ticket_price_amount)
       VALUES ($1, now() + interval '30 days', 50000) RETURNING id`,
      [concertId],
    );
    const optionId = rows[0].id;
    await db.query(
      `INSERT INTO seats (option_id, seat_number, status)
       SELECT $1, n, (ARRAY['AVAILABLE', 'AVAILABLE', 'TEMP_RESERVED', 'RESERVED', 'AVAILABLE', 'AVAILABLE'])[i % 6 + 1]
         FROM unnest($2::text[]) WITH ORDINALITY AS x(n, i)`,
      [optionId, seatNumbers(SEAT_MAP_SEATS)],
    );
    if (zoned) {
      let firstRow = 1;
      for (const [position, zone] of ZONES.entries()) {
        await db.query(
          `WITH z AS (
             INSERT INTO seat_categories (option_id, name, price_amount, color, position)
             VALUES ($1, $2, $3, '#336699', $4) RETURNING id, price_amount
           ), ranked AS (
             SELECT id, dense_rank() OVER (ORDER BY length(row_label), row_label) AS r FROM seats WHERE option_id = $1
           )
           UPDATE seats s SET category_id = z.id, price_amount = z.price_amount
             FROM z, ranked WHERE ranked.id = s.id AND ranked.r BETWEEN $5 AND $6`,
          [optionId, zone.name, zone.price, position, firstRow, firstRow + zone.rows - 1],
        );
        firstRow += zone.rows;
      }
    }
    await db.query('VACUUM ANALYZE seats');
    return optionId;
  });
}

/**
 * Issue 34: GET /seat-map of a 5,000-seat option in four price zones, against GET /health/live of the same
 * process under the same load (the reference), and the same seat map without zones (what zones
 * add to it). Each route is warmed up for a second, then measured for the run's duration, in the order
 * zoned, without zones, /health/live.
 */
export const seatMap: Scenario = {
  name: 'seat-map',
  async run(ctx): Promise<Row[]> {
    const { app } = await ctx.startService({});
    const concertId = await withBenchClient(
      async (db) => (await db.query<{ id: number }>(`SELECT id FROM concerts LIMIT 1`)).rows[0].id,
    );
    const zonedId = await seatMapOption(concertId, true);
    const plainId = await seatMapOption(concertId, false);
    /**
     * A seat map takes tens of ms of the app's CPU: a run cut off by time would leave up to CONNECTIONS
     * maps in the app's hands, charged to the next route. Maps are counted (MAPS_PER_SECOND × duration,
     * every answer awaited); /health/live, last and cheap, runs for the duration.
     */
    const measure = async (path: string, counted: boolean): Promise<LoadResult & { cpuMs: number }> => {
      const url = `${app.url}${path}`;
      const length = counted
        ? { amount: MAPS_PER_SECOND * ctx.args.duration }
        : { durationSec: ctx.args.duration };
      await cannon({
        url,
        connections: CONNECTIONS,
        ...(counted ? { amount: 2 * CONNECTIONS } : { durationSec: 1 }),
      });
      const cpuBefore = app.cpuMs();
      const result = await cannon({ url, connections: CONNECTIONS, ...length });
      // The app's CPU per answer: steadier than req/s on a machine the scheduler shares.
      const cpuMs = (app.cpuMs() - cpuBefore) / Math.max(1, result.total);
      if (result.non2xx || result.errors) {
        ctx.fail(`seat-map ${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      }
      ctx.log(
        `seat-map ${path}: ${result.okPerSec.toFixed(0)} req/s, p99 ${result.p99Ms} ms, ${cpuMs.toFixed(2)} ms CPU`,
      );
      return { ...result, cpuMs };
    };
    let zoned: LoadResult & { cpuMs: number };
    let plain: LoadResult & { cpuMs: number };
    let live: LoadResult & { cpuMs: number };
    let bytes: number;
    try {
      const res = await fetch(`${app.url}/api/concerts/options/${zonedId}/seat-map`);
      const body = (await res.json()) as { categoryId: number | null; row: string | null }[];
      bytes = Number(res.headers.get('content-length') ?? JSON.stringify(body).length);
      if (body.length !== SEAT_MAP_SEATS || body.some((s) => s.categoryId === null || s.row === null)) {
        ctx.fail(`seat-map: the zoned map is not ${SEAT_MAP_SEATS} seats, each in a zone with a row`);
      }
      zoned = await measure(`/api/concerts/options/${zonedId}/seat-map`, true);
      plain = await measure(`/api/concerts/options/${plainId}/seat-map`, true);
      live = await measure('/health/live', false);
    } finally {
      await app.stop();
    }
    return [
      {
        scenario: 'seat map, 5,000 zoned seats',
        metric: 'req/s',
        service: zoned.okPerSec,
        ceiling: live.okPerSec,
        note: `ceiling: GET /health/live, same process, ${CONNECTIONS} conn; the map is ${(bytes / 1024).toFixed(0)} KB`,
      },
      {
        scenario: 'seat map, 5,000 zoned seats',
        metric: 'p99 ms',
        service: zoned.p99Ms,
        ceiling: live.p99Ms,
        note: `p50 ${zoned.p50Ms} ms vs ${live.p50Ms} ms`,
      },
      {
        scenario: 'seat map, 5,000 zoned seats',
        metric: 'app CPU ms/req',
        service: zoned.cpuMs,
        ceiling: live.cpuMs,
        note: `the service process only (user+sys); without zones ${plain.cpuMs.toFixed(2)} ms`,
      },
      {
        scenario: 'seat map, zoned vs without zones',
        metric: 'req/s',
        service: zoned.okPerSec,
        ceiling: plain.okPerSec,
        note: `ceiling: the same 5,000 seats without zones (p99 ${plain.p99Ms} ms)`,
      },
    ];
  },
};
