import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { preparedRows, queryOne, queryRows } from '../../database/sql';
import { insertReservationEventsSql } from '../../infra/outbox/outbox-events';
import { TIERS as TIER_NAMES } from '../admission/sales-policy/sales-policy';
import type { HoldRequest } from './hold-batcher';
import { ReservationStatus, SEAT_STATUS_FOR, Transition } from './reservation-state';

export interface ReservationRow {
  id: number;
  userId: number;
  seatId: number;
  optionId: number;
  concertId: number;
  status: ReservationStatus;
  amount: number;
  reservedAt: Date;
  holdExpiresAt: Date;
  confirmedAt: Date | null;
  expiredAt: Date | null;
  cancelledAt: Date | null;
  refundedAt: Date | null;
  orderId: number;
}

const COLUMNS = `
  r.id, r.order_id AS "orderId", r.user_id AS "userId", r.seat_id AS "seatId", r.option_id AS "optionId", r.concert_id AS "concertId",
  r.status, r.amount, r.reserved_at AS "reservedAt", r.hold_expires_at AS "holdExpiresAt",
  r.confirmed_at AS "confirmedAt", r.expired_at AS "expiredAt", r.cancelled_at AS "cancelledAt",
  r.refunded_at AS "refundedAt"`;

/** A fresh HOLD with what its response needs beyond the row: the seat number and the show date. */
export interface HeldRow extends ReservationRow {
  seatNumber: string;
  concertDate: Date;
}

/** The tiers in rank order, as an SQL array for array_position. */
const TIERS = `ARRAY[${TIER_NAMES.map((t) => `'${t}'`).join(', ')}]::varchar[]`;

/**
 * Lowers the purchase counts (purchase_counts) of the reservations in CTE `source` that just left HOLD,
 * PAYING or CONFIRMED. Counts are locked in user order, as the hold statement raises them.
 */
export const releasePurchasesSql = (source: string) => `
  UPDATE purchase_counts c SET active = c.active - d.n
    FROM (SELECT user_id, concert_id, count(*)::int AS n FROM ${source} GROUP BY 1, 2 ORDER BY 1, 2) d
   WHERE c.user_id = d.user_id AND c.concert_id = d.concert_id`;

/**
 * Named reservation queries. Every status change is one statement that moves the reservation, its seat
 * and writes both outbox events, conditional on the current status (so a lost race changes nothing).
 */
@Injectable()
export class ReservationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The hot path: a batch of holds (see HoldBatcher) in one statement and one round trip. Each hold is an
   * order of one, made in the same statement (its id drawn with the seat). For each
   * requested seat that is AVAILABLE, the first request allowed to buy it claims it: the show has not
   * started, the concert's sales policy is open to the user's tier (the rules of admission's
   * sales-policy.ts, in SQL), the user is under the per-option hold cap, the client address is under the
   * per-IP cap (counted in the statement's snapshot: an abuse limit, which requests from one address in
   * the same batch may pass together by a few), and the user's purchase count
   * for the concert (purchase_counts, HOLD + PAYING + CONFIRMED) is under the policy's limit. That count is
   * raised by a conditional upsert in this same statement, so the limit is exact under any concurrency:
   * a second statement for the same user waits on the row and sees the first one's count. The statement
   * inserts the HOLDs and writes their events. Seats are locked in id order and counts in user order, so
   * two batches (two instances) wait for each other instead of deadlocking. A batch has at most one
   * request per user (HoldBatcher). The deadline is `expiresAt` (now + HOLD_TTL_SECONDS) but never later
   * than the show's start, so nothing is paid for a show that has started; the expiry queue, the warning
   * and every HOLD_EXPIRED check read it from the row. Also returns the seat number and show date, so the
   * response needs no read-back. A request with no row claimed nothing. The amount is the seat's zone
   * price (copied onto the locked seat row, so it is the price of the zone layout that committed last) or,
   * with no zone, the show's price; the reservation keeps it whatever the prices do later.
   * A prepared statement: planning this CTE cost PostgreSQL more than running it. The parameters the
   * planner could see through (the arrays' lengths, the cap, the time) are read through `(SELECT $n)`, so
   * every plan looks alike and PostgreSQL keeps one generic plan; otherwise a lone hold's cheaper-looking
   * custom plan won the comparison and every hold was planned afresh (≈ 1.3 ms of 2.1 ms here).
   */
  async holdMany(
    requests: HoldRequest[],
    now: Date,
    expiresAt: Date,
    caps: { perOption: number; perIp: number },
  ) {
    return preparedRows<HeldRow>(this.dataSource, {
      name: 'reservation_hold_many',
      text: `WITH req AS (
         SELECT * FROM unnest((SELECT $1::int[]), (SELECT $2::int[]), (SELECT $6::inet[]))
                  WITH ORDINALITY AS q(user_id, seat_id, ip, ord)
       ), free AS MATERIALIZED (
         SELECT s.id, s.option_id FROM seats s
          WHERE s.id IN (SELECT seat_id FROM req) AND s.status = 'AVAILABLE'
          ORDER BY s.id FOR UPDATE
       ), winner AS (
         SELECT DISTINCT ON (free.id) free.id AS seat_id, req.user_id, req.ip, o.concert_id
           FROM free JOIN req ON req.seat_id = free.id
           JOIN concert_options o ON o.id = free.option_id
           JOIN users u ON u.id = req.user_id
           LEFT JOIN sales_policies p ON p.concert_id = o.concert_id
          WHERE o.concert_date > (SELECT $3::timestamptz)
            AND (p.concert_id IS NULL OR (SELECT $3::timestamptz) >= p.general_sale_start_at
                 OR ((SELECT $3::timestamptz) >= p.presale_start_at AND (SELECT $3::timestamptz) < p.presale_end_at
                     AND array_position(${TIERS}, u.tier) >= array_position(${TIERS}, coalesce(p.presale_minimum_tier, 'BASIC'))))
            AND ((SELECT $5::int) = 0 OR (SELECT count(*) FROM reservations x
                            WHERE x.user_id = req.user_id AND x.option_id = free.option_id
                              AND x.status IN ('HOLD', 'PAYING')) < $5)
            AND ((SELECT $7::int) = 0 OR req.ip IS NULL OR (SELECT count(*) FROM reservations y
                            WHERE y.client_ip = req.ip AND y.status IN ('HOLD', 'PAYING')) < $7)
          ORDER BY free.id, req.ord
       ), counted AS (
         INSERT INTO purchase_counts AS c (user_id, concert_id, active)
         SELECT user_id, concert_id, 1 FROM winner ORDER BY user_id, concert_id
         ON CONFLICT (user_id, concert_id) DO UPDATE SET active = c.active + 1
          WHERE c.active < coalesce((SELECT max_reservations_per_user FROM sales_policies sp
                                      WHERE sp.concert_id = c.concert_id), 2147483647)
         RETURNING user_id
       ), seat AS (
         UPDATE seats s SET status = 'TEMP_RESERVED', updated_at = $3
           FROM winner w, counted c, concert_options o
          WHERE s.id = w.seat_id AND c.user_id = w.user_id AND o.id = s.option_id
          RETURNING s.id, s.option_id, s.seat_number, o.concert_id, o.concert_date,
                    coalesce(s.price_amount, o.ticket_price_amount) AS price_amount, w.user_id, w.ip,
                    nextval('orders_id_seq')::int AS order_id
       ), ord AS (
         INSERT INTO orders (id, user_id, concert_id, option_id, status, seat_count, total_amount, adjacent,
                             hold_expires_at, created_at, updated_at)
         SELECT seat.order_id, seat.user_id, seat.concert_id, seat.option_id, 'HOLD', 1, seat.price_amount,
                true, LEAST($4::timestamptz, seat.concert_date), $3, $3
           FROM seat
       ), r AS (
         INSERT INTO reservations (user_id, seat_id, option_id, concert_id, status, amount, reserved_at,
                                   hold_expires_at, updated_at, client_ip, order_id)
         SELECT seat.user_id, seat.id, seat.option_id, seat.concert_id, 'HOLD', seat.price_amount,
                $3, LEAST($4::timestamptz, seat.concert_date), $3, seat.ip, seat.order_id
           FROM seat
         RETURNING *
       ), ev AS (${insertReservationEventsSql('r', '$3', `'TEMP_RESERVED'`)})
       SELECT ${COLUMNS}, seat.seat_number AS "seatNumber", seat.concert_date AS "concertDate"
         FROM r JOIN seat ON seat.id = r.seat_id`,
      values: [
        requests.map((h) => h.userId),
        requests.map((h) => h.seatId),
        now,
        expiresAt,
        caps.perOption,
        requests.map((h) => h.ip ?? null),
        caps.perIp,
      ],
    });
  }

  /** Whether the user has MAX_ACTIVE_HOLDS_PER_USER live holds on the seat's option (0 = no cap). */
  async atHoldCap(userId: number, seatId: number, maxActivePerOption: number): Promise<boolean> {
    if (maxActivePerOption === 0) return false;
    const row = await queryOne<{ active: number }>(
      this.dataSource,
      `SELECT count(*)::int AS active FROM reservations x JOIN seats s ON s.option_id = x.option_id
        WHERE s.id = $2 AND x.user_id = $1 AND x.status IN ('HOLD', 'PAYING')`,
      [userId, seatId],
    );
    return (row?.active ?? 0) >= maxActivePerOption;
  }

  /** Whether the client address has `max` live holds (all accounts together; 0 = no cap). */
  async atIpHoldCap(ip: string, max: number): Promise<boolean> {
    if (max === 0) return false;
    const row = await queryOne<{ active: number }>(
      this.dataSource,
      `SELECT count(*)::int AS active FROM reservations WHERE client_ip = $1 AND status IN ('HOLD', 'PAYING')`,
      [ip],
    );
    return (row?.active ?? 0) >= max;
  }

  async findById(
    id: number,
    em: EntityManager = this.dataSource.manager,
  ): Promise<ReservationRow | undefined> {
    return queryOne<ReservationRow>(em, `SELECT ${COLUMNS} FROM reservations r WHERE r.id = $1`, [id]);
  }

  /** Locks the row for the rest of the transaction, so concurrent lifecycle calls queue up behind it. */
  async lock(em: EntityManager, id: number): Promise<ReservationRow | undefined> {
    return queryOne<ReservationRow>(em, `SELECT ${COLUMNS} FROM reservations r WHERE r.id = $1 FOR UPDATE`, [
      id,
    ]);
  }

  /**
   * Applies one transition of the state machine if the reservation is still in a `from` status (and, when
   * required, before its deadline). Returns the updated row, or undefined if the guard did not hold.
   */
  async transition(
    em: EntityManager,
    id: number,
    t: Transition,
    now: Date,
  ): Promise<ReservationRow | undefined> {
    const stamp = t.stampColumn ? `, ${t.stampColumn} = $3` : '';
    const deadline = t.requiresLiveHold ? 'AND hold_expires_at > $3' : '';
    const seatStatus = SEAT_STATUS_FOR[t.to];
    // HOLD → PAYING leaves the seat TEMP_RESERVED: no seat event for a seat that did not change.
    const seatChanges = t.from.some((from) => SEAT_STATUS_FOR[from] !== seatStatus);
    // Leaving HOLD/PAYING/CONFIRMED (cancel, refund, expiry) gives the purchase back to the user's limit.
    const released = seatStatus === 'AVAILABLE' ? `, released AS (${releasePurchasesSql('r')})` : '';
    return queryOne<ReservationRow>(
      em,
      `WITH r AS (
         UPDATE reservations SET status = $4, updated_at = $3 ${stamp}
          WHERE id = $1 AND status = ANY($2) ${deadline}
          RETURNING *
       ), seat AS (
         UPDATE seats SET status = $5, updated_at = $3 FROM r WHERE seats.id = r.seat_id RETURNING seats.id
       ), ev AS (${insertReservationEventsSql('r', '$3', seatChanges ? '$5::text' : null)})${released}
       SELECT ${COLUMNS} FROM r`,
      [id, t.from, now, t.to, seatStatus],
    );
  }

  /**
   * Expires every listed reservation that is still live and due, with every other item of its order (an
   * order has one deadline: its items expire together), in one statement (the expiry scheduler and the
   * sweeper call this with batches; a lifecycle call with one id). Their orders are locked first, in id
   * order, as every money movement locks them (moving an item moves its order). Returns what it expired.
   */
  async expireDue(em: EntityManager | DataSource, ids: number[], now: Date) {
    return queryRows<{ id: number; holdExpiresAt: Date; userId: number }>(
      em,
      `WITH ord AS MATERIALIZED (
         SELECT id FROM orders WHERE id IN (SELECT order_id FROM reservations WHERE id = ANY($1))
          ORDER BY id FOR UPDATE
       ), r AS (
         UPDATE reservations SET status = 'EXPIRED', expired_at = $2, updated_at = $2
          WHERE order_id IN (SELECT id FROM ord)
            AND status IN ('HOLD', 'PAYING') AND hold_expires_at <= $2
          RETURNING *
       ), seat AS (
         UPDATE seats SET status = 'AVAILABLE', updated_at = $2 FROM r WHERE seats.id = r.seat_id RETURNING seats.id
       ), ev AS (${insertReservationEventsSql('r', '$2', `'AVAILABLE'`)}
       ), released AS (${releasePurchasesSql('r')})
       SELECT r.id, r.hold_expires_at AS "holdExpiresAt", r.user_id AS "userId" FROM r`,
      [ids, now],
    );
  }

  /** Writes a RESERVATION_STATUS event without a status change (a failed payment attempt). */
  async appendStatusEvent(em: EntityManager, id: number, now: Date): Promise<void> {
    await em.query(
      `WITH r AS (SELECT * FROM reservations WHERE id = $1) ${insertReservationEventsSql('r', '$2', null)}`,
      [id, now],
    );
  }

  /** Live holds due at or before `until`, oldest first (the sweeper's and the scheduler's re-seed query). */
  async findLiveDue(em: EntityManager | DataSource, until: Date, limit: number, skipLocked: boolean) {
    return queryRows<{ id: number; holdExpiresAt: Date }>(
      em,
      `SELECT id, hold_expires_at AS "holdExpiresAt" FROM reservations
        WHERE status IN ('HOLD', 'PAYING') AND hold_expires_at <= $1
        ORDER BY hold_expires_at LIMIT $2 ${skipLocked ? 'FOR UPDATE SKIP LOCKED' : ''}`,
      [until, limit],
    );
  }
}
