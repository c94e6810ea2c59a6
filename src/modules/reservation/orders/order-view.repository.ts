import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { queryRows } from '../../../database/sql';
import { refundCutoffAt, ReservationStatus } from '../reservation-state';
import type { OrderStatus } from './order.repository';

export interface OrderItemView {
  reservationId: number;
  seatId: number;
  seatNumber: string;
  categoryId: number | null;
  amount: number;
  status: ReservationStatus;
}

/** The contract's `Order` response (payment fields: the order's latest attempt, as on the reservation). */
export interface OrderView {
  id: number;
  userId: number;
  concertId: number;
  optionId: number;
  status: OrderStatus;
  totalAmount: number;
  refundedAmount: number;
  adjacent: boolean;
  holdExpiresAt: Date;
  refundCutoffAt: Date;
  createdAt: Date;
  confirmedAt: Date | null;
  expiredAt: Date | null;
  cancelledAt: Date | null;
  items: OrderItemView[];
  paymentMethod: string | null;
  paymentProvider: string | null;
  paymentStatus: string | null;
  paymentTransactionId: number | null;
  paymentAction: string | null;
  paymentRedirectUrl: string | null;
  paymentFailureReason: string | null;
  username?: string;
}

type ViewRow = Omit<OrderView, 'refundCutoffAt'> & { concertDate: Date };

export interface OrderFilter {
  userId?: number;
  statuses?: OrderStatus[];
  optionId?: number;
  concertId?: number;
  limit: number;
}

/** Read model of orders: one query joins the items, their seats, the show date and the latest attempt. */
@Injectable()
export class OrderViewRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  private select(where: string, withUsername: boolean): string {
    return `
      SELECT ${withUsername ? '(SELECT username FROM users WHERE id = o.user_id) AS username, ' : ''}
             o.id, o.user_id AS "userId", o.concert_id AS "concertId", o.option_id AS "optionId", o.status,
             o.total_amount::int AS "totalAmount", i."refundedAmount", o.adjacent,
             o.hold_expires_at AS "holdExpiresAt", o.created_at AS "createdAt", o.confirmed_at AS "confirmedAt",
             o.expired_at AS "expiredAt", o.cancelled_at AS "cancelledAt",
             i.items,
             p.payment_method AS "paymentMethod", p.payment_provider AS "paymentProvider",
             p.status AS "paymentStatus", p.id AS "paymentTransactionId",
             CASE p.status WHEN 'SUCCESS' THEN 'NONE' WHEN 'FAILED' THEN 'RETRY_CONFIRM'
                           WHEN 'PENDING' THEN CASE WHEN p.redirect_url IS NULL THEN 'WAIT_WEBHOOK' ELSE 'REDIRECT' END
             END AS "paymentAction",
             CASE WHEN p.status = 'PENDING' THEN p.redirect_url END AS "paymentRedirectUrl",
             p.failure_reason AS "paymentFailureReason",
             co.concert_date AS "concertDate"
        FROM orders o
        JOIN concert_options co ON co.id = o.option_id
        CROSS JOIN LATERAL (
          SELECT coalesce(sum(r.amount) FILTER (WHERE r.status = 'REFUNDED'), 0)::int AS "refundedAmount",
                 jsonb_agg(jsonb_build_object('reservationId', r.id, 'seatId', r.seat_id,
                                              'seatNumber', s.seat_number, 'categoryId', s.category_id,
                                              'amount', r.amount, 'status', r.status) ORDER BY r.id) AS items
            FROM reservations r JOIN seats s ON s.id = r.seat_id WHERE r.order_id = o.id
        ) i
        LEFT JOIN LATERAL (
          SELECT * FROM payment_transactions pt
           WHERE pt.order_id = o.id AND pt.type = 'PAYMENT' ORDER BY pt.id DESC LIMIT 1
        ) p ON true
       WHERE ${where}`;
  }

  async findById(id: number, withUsername = false): Promise<OrderView | undefined> {
    const rows = await queryRows<ViewRow>(this.dataSource, this.select('o.id = $1', withUsername), [id]);
    return rows.length ? this.toView(rows[0]) : undefined;
  }

  /** Several orders by id, in one query (outbound webhooks read the orders of a batch of events). */
  async findByIds(ids: number[]): Promise<OrderView[]> {
    const rows = await queryRows<ViewRow>(this.dataSource, this.select('o.id = ANY($1::int[])', false), [
      ids,
    ]);
    return rows.map((row) => this.toView(row));
  }

  /** Newest first; `withUsername` adds the owner's username (the admin console's list). */
  async list(filter: OrderFilter, withUsername = false): Promise<OrderView[]> {
    const params: unknown[] = [];
    const conditions = ['true'];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.userId) add('o.user_id = ?', filter.userId);
    if (filter.statuses?.length) add('o.status = ANY(?)', filter.statuses);
    if (filter.optionId) add('o.option_id = ?', filter.optionId);
    if (filter.concertId) add('o.concert_id = ?', filter.concertId);
    params.push(filter.limit);
    const rows = await queryRows<ViewRow>(
      this.dataSource,
      `${this.select(conditions.join(' AND '), withUsername)} ORDER BY o.id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => this.toView(row));
  }

  /** The contract's field order: refundCutoffAt right after holdExpiresAt. */
  private toView({ concertDate, username, ...row }: ViewRow): OrderView {
    const { createdAt, confirmedAt, expiredAt, cancelledAt, items, ...payment } = row;
    const { id, userId, concertId, optionId, status, totalAmount, refundedAmount, adjacent, holdExpiresAt } =
      row;
    return {
      ...(username === undefined ? {} : { username }),
      id,
      userId,
      concertId,
      optionId,
      status,
      totalAmount,
      refundedAmount,
      adjacent,
      holdExpiresAt,
      refundCutoffAt: refundCutoffAt(concertDate, this.config.refundCutoffHours),
      createdAt,
      confirmedAt,
      expiredAt,
      cancelledAt,
      items,
      paymentMethod: payment.paymentMethod,
      paymentProvider: payment.paymentProvider,
      paymentStatus: payment.paymentStatus,
      paymentTransactionId: payment.paymentTransactionId,
      paymentAction: payment.paymentAction,
      paymentRedirectUrl: payment.paymentRedirectUrl,
      paymentFailureReason: payment.paymentFailureReason,
    };
  }
}
