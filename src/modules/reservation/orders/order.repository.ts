import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../../database/sql';
import { insertReservationEventsSql } from '../../../infra/outbox/outbox-events';
import { saleOpenSql } from '../../admission/sales-policy/sales-policy';
import { releasePurchasesSql, ReservationRow } from '../reservation.repository';
import { SEAT_STATUS_FOR, Transition } from '../reservation-state';

export type OrderStatus =
  'HOLD' | 'PAYING' | 'CONFIRMED' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'EXPIRED' | 'CANCELLED';

export interface OrderRow {
  id: number;
  userId: number;
  concertId: number;
  optionId: number;
  status: OrderStatus;
  seatCount: number;
  totalAmount: number;
  adjacent: boolean;
  holdExpiresAt: Date;
  createdAt: Date;
  confirmedAt: Date | null;
  expiredAt: Date | null;
  cancelledAt: Date | null;
  cancelReason: string | null;
}

export const ORDER_COLUMNS = `
  o.id, o.user_id AS "userId", o.concert_id AS "concertId", o.option_id AS "optionId", o.status,
  o.seat_count AS "seatCount", o.total_amount AS "totalAmount", o.adjacent, o.hold_expires_at AS "holdExpiresAt",
  o.created_at AS "createdAt", o.confirmed_at AS "confirmedAt", o.expired_at AS "expiredAt",
  o.cancelled_at AS "cancelledAt", o.cancel_reason AS "cancelReason"`;

const ITEM_COLUMNS = `
  r.id, r.order_id AS "orderId", r.user_id AS "userId", r.seat_id AS "seatId", r.option_id AS "optionId",
  r.concert_id AS "concertId", r.status, r.amount, r.reserved_at AS "reservedAt",
  r.hold_expires_at AS "holdExpiresAt", r.confirmed_at AS "confirmedAt", r.expired_at AS "expiredAt",
  r.cancelled_at AS "cancelledAt", r.refunded_at AS "refundedAt"`;

export interface MapSeat {
  id: number;
  row: string | null;
  number: number | null;
  status: string;
  categoryId: number | null;
}

/** What a refused order statement looks at to explain itself: each requested seat as it is now. */
export interface SeatState {
  id: number;
  optionId: number;
  status: string;
}

/**
 * Named queries over orders. Taking an order's seats is one statement (see `take`); an order's status
 * follows its items by the trigger of migration Orders (reservations_order_follows_items), so the
 * statements that move reservations move their order with them.
 */
@Injectable()
export class OrderRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * All or nothing, in one statement: locks the requested seats that are AVAILABLE in id order (so two
   * orders sharing seats wait for each other and never deadlock), and only if every one of them is free,
   * the show has not started, the sale is open to the user's tier, the user's live seats on the option
   * plus these stay within `perOption` and the address's within `perIp` (both in the statement's snapshot;
   * OrderCreateService re-counts the per-option cap under the purchase-count lock), it raises the user's
   * purchase count by the order's size with a conditional upsert (the purchase limit, exact), marks the
   * seats TEMP_RESERVED, inserts the order and one HOLD per seat, and writes their events. Returns the
   * new order's id, or undefined when it took nothing (then nothing was written).
   */
  async take(
    em: EntityManager,
    req: {
      userId: number;
      optionId: number;
      seatIds: number[];
      now: Date;
      expiresAt: Date;
      perOption: number;
      perIp: number;
      ip: string | null;
    },
  ): Promise<number | undefined> {
    const seatIds = [...req.seatIds].sort((a, b) => a - b);
    const row = await queryOne<{ orderId: number }>(
      em,
      `WITH opt AS (
         SELECT o.id, o.concert_id, o.concert_date, o.ticket_price_amount FROM concert_options o
           JOIN users u ON u.id = $3
           LEFT JOIN sales_policies p ON p.concert_id = o.concert_id
          WHERE o.id = $1 AND o.concert_date > $4 AND o.cancelled_at IS NULL
            AND ${saleOpenSql('p', 'u.tier', '$4::timestamptz')}
            AND ($6::int = 0 OR (SELECT count(*) FROM reservations x
                                  WHERE x.user_id = $3 AND x.option_id = $1 AND x.status IN ('HOLD', 'PAYING'))
                                + cardinality($2::int[]) <= $6)
            AND ($7::int = 0 OR $8::inet IS NULL OR (SELECT count(*) FROM reservations y
                                  WHERE y.client_ip = $8 AND y.status IN ('HOLD', 'PAYING'))
                                + cardinality($2::int[]) <= $7)
       ), free AS MATERIALIZED (
         SELECT s.id, s.row_label, s.number_in_row, s.price_amount FROM seats s
          WHERE s.id = ANY($2::int[]) AND s.option_id = $1 AND s.status = 'AVAILABLE' AND EXISTS (SELECT 1 FROM opt)
          ORDER BY s.id FOR UPDATE
       ), counted AS (
         INSERT INTO purchase_counts AS c (user_id, concert_id, active)
         SELECT $3, opt.concert_id, cardinality($2::int[]) FROM opt
          WHERE (SELECT count(*) FROM free) = cardinality($2::int[])
            AND cardinality($2::int[]) <= coalesce((SELECT max_reservations_per_user FROM sales_policies sp
                                                     WHERE sp.concert_id = opt.concert_id), 2147483647)
         ON CONFLICT (user_id, concert_id) DO UPDATE SET active = c.active + EXCLUDED.active
          WHERE c.active + EXCLUDED.active <= coalesce((SELECT max_reservations_per_user FROM sales_policies sp
                                                        WHERE sp.concert_id = c.concert_id), 2147483647)
         RETURNING concert_id
       ), seat AS (
         UPDATE seats s SET status = 'TEMP_RESERVED', updated_at = $4
           FROM free WHERE s.id = free.id AND EXISTS (SELECT 1 FROM counted)
          RETURNING s.id, free.row_label, free.number_in_row, free.price_amount
       ), ord AS (
         INSERT INTO orders (user_id, concert_id, option_id, status, seat_count, total_amount, adjacent,
                             hold_expires_at, created_at, updated_at)
         SELECT $3, opt.concert_id, opt.id, 'HOLD', count(*), sum(coalesce(seat.price_amount, opt.ticket_price_amount)),
                ${ADJACENT}, LEAST($5::timestamptz, opt.concert_date), $4, $4
           FROM seat, opt GROUP BY opt.id, opt.concert_id, opt.concert_date
         RETURNING id, hold_expires_at
       ), r AS (
         INSERT INTO reservations (user_id, seat_id, option_id, concert_id, status, amount, reserved_at,
                                   hold_expires_at, updated_at, client_ip, order_id)
         SELECT $3, seat.id, opt.id, opt.concert_id, 'HOLD', coalesce(seat.price_amount, opt.ticket_price_amount),
                $4, ord.hold_expires_at, $4,
                $8, ord.id
           FROM seat, opt, ord ORDER BY seat.id
         RETURNING *
       ), ev AS (${insertReservationEventsSql('r', '$4', `'TEMP_RESERVED'`)})
       SELECT id AS "orderId" FROM ord`,
      [req.optionId, seatIds, req.userId, req.now, req.expiresAt, req.perOption, req.perIp, req.ip],
    );
    return row?.orderId;
  }

  /** The option's seats as best available reads them: row and number (from the seat number), status, zone. */
  seatMap(optionId: number): Promise<MapSeat[]> {
    return queryRows<MapSeat>(
      this.dataSource,
      `SELECT id, row_label AS row, number_in_row AS number, status, category_id AS "categoryId"
         FROM seats WHERE option_id = $1`,
      [optionId],
    );
  }

  /** The requested seats as they are now (the explanation of a refused order). */
  seatStates(seatIds: number[]): Promise<SeatState[]> {
    return queryRows<SeatState>(
      this.dataSource,
      `SELECT id, option_id AS "optionId", status FROM seats WHERE id = ANY($1::int[]) ORDER BY id`,
      [seatIds],
    );
  }

  /** HOLD + PAYING seats of the user on the option. */
  async liveSeats(em: EntityManager | DataSource, userId: number, optionId: number): Promise<number> {
    const row = await queryOne<{ n: number }>(
      em,
      `SELECT count(*)::int AS n FROM reservations
        WHERE user_id = $1 AND option_id = $2 AND status IN ('HOLD', 'PAYING')`,
      [userId, optionId],
    );
    return row?.n ?? 0;
  }

  /** HOLD + PAYING seats of every account from the address. */
  async liveSeatsFrom(ip: string): Promise<number> {
    const row = await queryOne<{ n: number }>(
      this.dataSource,
      `SELECT count(*)::int AS n FROM reservations WHERE client_ip = $1 AND status IN ('HOLD', 'PAYING')`,
      [ip],
    );
    return row?.n ?? 0;
  }

  async findById(
    id: number,
    em: EntityManager | DataSource = this.dataSource,
  ): Promise<OrderRow | undefined> {
    return queryOne<OrderRow>(em, `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = $1`, [id]);
  }

  /**
   * Moves the orders' items that are in a `from` status (all of them, or those of `onlyIds`) along one
   * transition, in one statement: reservations, seats, outbox rows and purchase counts together, as
   * ReservationRepository.transition does for one. With `requiresLiveHold`, nothing moves once the
   * order's deadline has passed. The orders follow by their trigger. Returns the items moved.
   */
  async transitionItems(
    em: EntityManager,
    orderIds: number[],
    t: Transition,
    now: Date,
    onlyIds?: number[],
  ): Promise<ReservationRow[]> {
    const stamp = t.stampColumn ? `, ${t.stampColumn} = $3` : '';
    const deadline = t.requiresLiveHold ? 'AND hold_expires_at > $3' : '';
    const only = onlyIds ? 'AND id = ANY($6::int[])' : '';
    const seatStatus = SEAT_STATUS_FOR[t.to];
    const seatChanges = t.from.some((from) => SEAT_STATUS_FOR[from] !== seatStatus);
    const released = seatStatus === 'AVAILABLE' ? `, released AS (${releasePurchasesSql('r')})` : '';
    return queryRows<ReservationRow>(
      em,
      `WITH r AS (
         UPDATE reservations SET status = $4, updated_at = $3 ${stamp}
          WHERE order_id = ANY($1::int[]) AND status = ANY($2) ${deadline} ${only}
          RETURNING *
       ), seat AS (
         UPDATE seats SET status = $5, updated_at = $3 FROM r WHERE seats.id = r.seat_id RETURNING seats.id
       ), ev AS (${insertReservationEventsSql('r', '$3', seatChanges ? '$5::text' : null)})${released}
       SELECT ${ITEM_COLUMNS} FROM r ORDER BY r.id`,
      onlyIds
        ? [orderIds, t.from, now, t.to, seatStatus, onlyIds]
        : [orderIds, t.from, now, t.to, seatStatus],
    );
  }

  /**
   * Show cancellation, in the caller's transaction: the option's paid orders (CONFIRMED or
   * PARTIALLY_REFUNDED) are marked as called off by the show, so the ORDER_STATUS of their refunds carries
   * reason SHOW_CANCELLED; answers each with the amount and count of its CONFIRMED items, by order id.
   */
  paidForShow(
    em: EntityManager,
    optionId: number,
  ): Promise<{ orderId: number; userId: number; amount: number; seats: number }[]> {
    return queryRows(
      em,
      `WITH o AS (
         UPDATE orders SET cancel_reason = 'SHOW_CANCELLED'
          WHERE id IN (SELECT id FROM orders WHERE option_id = $1 AND status IN ('CONFIRMED', 'PARTIALLY_REFUNDED')
                        ORDER BY id FOR UPDATE)
         RETURNING id, user_id
       )
       SELECT o.id AS "orderId", o.user_id AS "userId", sum(r.amount)::int AS amount, count(*)::int AS seats
         FROM o JOIN reservations r ON r.order_id = o.id AND r.status = 'CONFIRMED'
        GROUP BY o.id, o.user_id ORDER BY o.id`,
      [optionId],
    );
  }

  /** A show cancellation's dry run: paid orders, their CONFIRMED items and amount, and unpaid orders. */
  async showSummary(optionId: number) {
    const row = await queryOne<{
      paidOrders: number;
      paidSeats: number;
      refundTotalAmount: number;
      unpaidOrders: number;
    }>(
      this.dataSource,
      `SELECT count(DISTINCT r.order_id) FILTER (WHERE r.status = 'CONFIRMED')::int AS "paidOrders",
              count(*) FILTER (WHERE r.status = 'CONFIRMED')::int AS "paidSeats",
              coalesce(sum(r.amount) FILTER (WHERE r.status = 'CONFIRMED'), 0)::bigint AS "refundTotalAmount",
              (SELECT count(*) FROM orders WHERE option_id = $1 AND status IN ('HOLD', 'PAYING'))::int AS "unpaidOrders"
         FROM reservations r WHERE r.option_id = $1`,
      [optionId],
    );
    return { ...row!, refundTotalAmount: Number(row!.refundTotalAmount) };
  }

  /**
   * Those of the options that have HOLD or PAYING orders. On a cancelled show, only a hold statement that was
   * in flight when the cancellation committed leaves one: it read the show as on sale in its snapshot (see
   * CancellationWorker).
   */
  async optionsWithLiveOrders(optionIds: number[]): Promise<number[]> {
    const rows = await queryRows<{ optionId: number }>(
      this.dataSource,
      `SELECT DISTINCT option_id AS "optionId" FROM orders
        WHERE option_id = ANY($1::int[]) AND status IN ('HOLD', 'PAYING')
        ORDER BY 1`,
      [optionIds],
    );
    return rows.map((r) => r.optionId);
  }

  /** Marks the live orders of an option as cancelled by the show (their items are cancelled next). */
  async markShowCancelled(em: EntityManager, optionId: number): Promise<number[]> {
    const rows = await queryRows<{ id: number }>(
      em,
      `UPDATE orders SET cancel_reason = 'SHOW_CANCELLED'
        WHERE id IN (SELECT id FROM orders WHERE option_id = $1 AND status IN ('HOLD', 'PAYING') ORDER BY id FOR UPDATE)
        RETURNING id`,
      [optionId],
    );
    return rows.map((r) => r.id).sort((a, b) => a - b);
  }
}

/**
 * Whether the taken seats (CTE `seat`) are in one row with consecutive numbers, as an SQL aggregate (true
 * for one seat). A seat whose number is of another shape (no row label) counts as not adjacent.
 */
const ADJACENT = `(count(*) = 1 OR (count(DISTINCT seat.row_label) = 1 AND count(seat.number_in_row) = count(*)
                   AND max(seat.number_in_row) - min(seat.number_in_row) + 1 = count(*)))`;
