import type { ServerProcess } from '../support/app-process';
import { SeatRange, withBenchClient } from '../support/bench-db';
import { cannon, LoadResult } from '../support/load';
import { Row } from '../support/report';
import { Scenario } from '../support/runner';
import { HOLD_CONNECTIONS, holdLoad, HoldResult, holdSeats, settleDatabase } from './hold';

/** Seats per order: the contract's default MAX_SEATS_PER_ORDER. */
export const ORDER_SEATS = 4;

/** Seats for an order leg of `durationSec` (plus its warm-up): running out would turn orders into 4xx. */
const orderSeats = (durationSec: number) => ORDER_SEATS * 3000 * (durationSec + 3);

interface OrderResult extends LoadResult {
  /** Seats held per second: 201s × ORDER_SEATS. */
  seatsPerSec: number;
  /** Orders of the option in the database that do not hold exactly ORDER_SEATS seats: must be none. */
  brokenOrders: number;
  cpuMsPerSeat: number;
}

/**
 * POST /api/orders from 64 connections, each request the next ORDER_SEATS seats of the range (by id) and
 * the next user (round robin), after a 2 s warm-up on the same option, as holdLoad does for single holds.
 */
async function orderLoad(
  app: ServerProcess,
  seats: SeatRange,
  tokens: string[],
  durationSec: number,
): Promise<OrderResult> {
  let nextSeat = seats.first;
  let nextUser = 0;
  const requests = [
    {
      method: 'POST' as const,
      path: '/api/orders',
      setupRequest: (req: object) => {
        const seatIds = Array.from({ length: ORDER_SEATS }, (_, i) => nextSeat + i);
        nextSeat += ORDER_SEATS;
        return {
          ...req,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${tokens[nextUser++ % tokens.length]}`,
          },
          body: JSON.stringify({ optionId: seats.optionId, seatIds }),
        };
      },
    },
  ];
  await settleDatabase();
  await cannon({ url: app.url, connections: HOLD_CONNECTIONS, durationSec: 2, requests });
  const cpuBefore = app.cpuMs();
  const result = await cannon({ url: app.url, connections: HOLD_CONNECTIONS, durationSec, requests });
  const seatsPerSec = result.okPerSec * ORDER_SEATS;
  const cpuMsPerSeat = (app.cpuMs() - cpuBefore) / Math.max(1, seatsPerSec * durationSec);
  return { ...result, seatsPerSec, brokenOrders: await brokenOrdersOf(seats.optionId), cpuMsPerSeat };
}

/**
 * Orders of the option that do not hold exactly ORDER_SEATS seats: an order is whole or it is not there.
 * (Comparing counts with the 201s would not do: requests still in flight when a timed window closes
 * commit without being counted.)
 */
async function brokenOrdersOf(optionId: number): Promise<number> {
  return withBenchClient(
    async (db) =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (
             SELECT order_id FROM reservations WHERE option_id = $1
              GROUP BY order_id HAVING count(*) FILTER (WHERE status = 'HOLD') <> $2) broken`,
          [optionId, ORDER_SEATS],
        )
      ).rows[0].n,
  );
}

/**
 * Orders of 4 seats by id against single v7 holds, in one service process: after a warm-up of each, legs
 * of holds (A) and of orders (B) in the order A B B A, so that a steady drift of the machine falls on both
 * alike. Compared in seats held per second: one transaction for four seats should beat four.
 */
export const orderHold: Scenario = {
  name: 'order-hold',
  async run(ctx): Promise<Row[]> {
    const d = ctx.args.duration;
    const { app, seeded, tokens } = await ctx.startService({
      warmHolds: holdSeats(d),
      warmOrders: orderSeats(d),
      a1: holdSeats(d),
      b1: orderSeats(d),
      b2: orderSeats(d),
      a2: holdSeats(d),
    });
    const holds: HoldResult[] = [];
    const orders: OrderResult[] = [];
    try {
      await holdLoad(app, seeded.options.warmHolds, tokens, d);
      await orderLoad(app, seeded.options.warmOrders, tokens, d);
      for (const leg of ['a1', 'b1', 'b2', 'a2']) {
        if (leg.startsWith('a')) {
          const h = await holdLoad(app, seeded.options[leg], tokens, d);
          holds.push(h);
          ctx.log(`order-hold ${leg}: ${h.okPerSec.toFixed(0)} holds/s, p99 ${h.p99Ms} ms`);
          if (h.non2xx || h.errors)
            ctx.fail(
              `order-hold ${leg}: ${h.non2xx} non-2xx, ${h.errors} errors ${JSON.stringify(h.statusCodes)}`,
            );
        } else {
          const o = await orderLoad(app, seeded.options[leg], tokens, d);
          orders.push(o);
          ctx.log(
            `order-hold ${leg}: ${o.okPerSec.toFixed(0)} orders/s = ${o.seatsPerSec.toFixed(0)} seats/s, p99 ${o.p99Ms} ms`,
          );
          if (o.non2xx || o.errors)
            ctx.fail(
              `order-hold ${leg}: ${o.non2xx} non-2xx, ${o.errors} errors ${JSON.stringify(o.statusCodes)}`,
            );
          if (o.brokenOrders)
            ctx.fail(`order-hold ${leg}: ${o.brokenOrders} orders not whole in the database`);
        }
      }
    } finally {
      await app.stop();
    }
    const mean = <T>(list: T[], pick: (r: T) => number) =>
      list.reduce((a, r) => a + pick(r), 0) / list.length;
    const [orderSeatsPerSec, holdSeatsPerSec] = [
      mean(orders, (o) => o.seatsPerSec),
      mean(holds, (h) => h.okPerSec),
    ];
    const ratio = orderSeatsPerSec / holdSeatsPerSec;
    return [
      {
        scenario: `orders of ${ORDER_SEATS} by id`,
        metric: 'seats/s',
        service: orderSeatsPerSec,
        ceiling: holdSeatsPerSec,
        note: `ceiling: single v7 holds (a seat each), legs A B B A after a warm-up, ${HOLD_CONNECTIONS} connections; target ≥ 1.5× (${ratio >= 1.5 ? 'met' : 'not met'}); ${mean(orders, (o) => o.okPerSec).toFixed(0)} orders/s`,
      },
      {
        scenario: `orders of ${ORDER_SEATS} by id`,
        metric: 'p99 ms',
        service: mean(orders, (o) => o.p99Ms),
        ceiling: mean(holds, (h) => h.p99Ms),
        note: `per request (an order of ${ORDER_SEATS} against a hold of one); app CPU ms/seat ${mean(orders, (o) => o.cpuMsPerSeat).toFixed(2)} vs ${mean(holds, (h) => h.cpuMsPerHold).toFixed(2)} per hold`,
      },
    ];
  },
};
