import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../database/sql';
import type { ReservationRow } from './reservation.repository';

/** What a money movement needs of an order (h-35hold's OrderRow has more). */
export interface OrderLockRow {
  id: number;
  userId: number;
  optionId: number;
  concertId: number;
  status: string;
  seatCount: number;
  totalAmount: number;
  holdExpiresAt: Date;
}

const ORDER_COLUMNS = `
  id, user_id AS "userId", option_id AS "optionId", concert_id AS "concertId", status, seat_count AS "seatCount",
  total_amount::int AS "totalAmount", hold_expires_at AS "holdExpiresAt"`;

const ITEM_COLUMNS = `
  r.id, r.order_id AS "orderId", r.user_id AS "userId", r.seat_id AS "seatId", r.option_id AS "optionId",
  r.concert_id AS "concertId", r.status, r.amount::int AS amount, r.reserved_at AS "reservedAt",
  r.hold_expires_at AS "holdExpiresAt", r.confirmed_at AS "confirmedAt", r.expired_at AS "expiredAt",
  r.cancelled_at AS "cancelledAt", r.refunded_at AS "refundedAt"`;

/**
 * The locks of a money movement on an order, in the one order every movement takes them: the order row,
 * then its items by id. (The ledger rows come after, in the checkout step runner.)
 */
@Injectable()
export class OrderLocksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A reservation's order (never changes once the reservation exists, so no lock is needed to read it). */
  async orderOf(reservationId: number, em: EntityManager | DataSource = this.dataSource) {
    const row = await queryOne<{ orderId: number }>(
      em,
      `SELECT order_id AS "orderId" FROM reservations WHERE id = $1`,
      [reservationId],
    );
    return row?.orderId;
  }

  async lockOrder(em: EntityManager, orderId: number): Promise<OrderLockRow | undefined> {
    return queryOne<OrderLockRow>(em, `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 FOR UPDATE`, [
      orderId,
    ]);
  }

  /**
   * Several orders at once (a show cancellation's batch), in id order, then all their items in (order, id)
   * order: the same order of locks as one order at a time, so it cannot deadlock with single-order steps.
   */
  async lockOrders(
    em: EntityManager,
    orderIds: number[],
  ): Promise<{ orders: OrderLockRow[]; items: ReservationRow[] }> {
    const orders = await queryRows<OrderLockRow>(
      em,
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE`,
      [orderIds],
    );
    const items = await queryRows<ReservationRow>(
      em,
      `SELECT ${ITEM_COLUMNS} FROM reservations r WHERE r.order_id = ANY($1::int[])
        ORDER BY r.order_id, r.id FOR UPDATE`,
      [orders.map((o) => o.id)],
    );
    return { orders, items };
  }

  /** The order's items, locked in id order (after the order row: see the class comment). */
  lockItems(em: EntityManager, orderId: number): Promise<ReservationRow[]> {
    return queryRows<ReservationRow>(
      em,
      `SELECT ${ITEM_COLUMNS} FROM reservations r WHERE r.order_id = $1 ORDER BY r.id FOR UPDATE`,
      [orderId],
    );
  }
}
