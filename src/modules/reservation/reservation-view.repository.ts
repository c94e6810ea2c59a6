import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { queryRows } from '../../database/sql';
import { refundCutoffAt, ReservationStatus } from './reservation-state';
import type { HeldRow, ReservationRow } from './reservation.repository';

/** The contract's `Reservation` response. Payment fields describe the latest payment attempt. */
export interface ReservationView extends ReservationRow, PaymentFields {
  seatNumber: string;
  refundCutoffAt: Date;
}

interface PaymentFields {
  paymentMethod: string | null;
  paymentProvider: string | null;
  paymentStatus: string | null;
  paymentTransactionId: number | null;
  paymentAction: string | null;
  paymentRedirectUrl: string | null;
  paymentFailureReason: string | null;
}

/** A reservation with no payment attempt yet. */
const NO_PAYMENT: PaymentFields = {
  paymentMethod: null,
  paymentProvider: null,
  paymentStatus: null,
  paymentTransactionId: null,
  paymentAction: null,
  paymentRedirectUrl: null,
  paymentFailureReason: null,
};

type ViewRow = Omit<ReservationView, 'refundCutoffAt'> & { concertDate: Date };

export interface ReservationFilter {
  userId?: number;
  statuses?: ReservationStatus[];
  optionId?: number;
  concertId?: number;
  limit: number;
}

/** Read model for GET endpoints: one query joins the seat, the show date and the latest attempt. */
@Injectable()
export class ReservationViewRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  private select(where: string, withUsername = false): string {
    return `
      SELECT ${withUsername ? '(SELECT username FROM users WHERE id = r.user_id) AS username, ' : ''}r.id, r.order_id AS "orderId", r.user_id AS "userId", r.seat_id AS "seatId", r.option_id AS "optionId",
             r.concert_id AS "concertId", s.seat_number AS "seatNumber", r.status, r.amount,
             r.reserved_at AS "reservedAt", r.hold_expires_at AS "holdExpiresAt",
             r.confirmed_at AS "confirmedAt", r.expired_at AS "expiredAt", r.cancelled_at AS "cancelledAt",
             r.refunded_at AS "refundedAt",
             p.payment_method AS "paymentMethod", p.payment_provider AS "paymentProvider",
             p.status AS "paymentStatus", p.id AS "paymentTransactionId",
             CASE p.status WHEN 'SUCCESS' THEN 'NONE' WHEN 'FAILED' THEN 'RETRY_CONFIRM'
                           WHEN 'PENDING' THEN CASE WHEN p.redirect_url IS NULL THEN 'WAIT_WEBHOOK' ELSE 'REDIRECT' END
             END AS "paymentAction",
             CASE WHEN p.status = 'PENDING' THEN p.redirect_url END AS "paymentRedirectUrl",
             p.failure_reason AS "paymentFailureReason",
             o.concert_date AS "concertDate"
        FROM reservations r
        JOIN seats s ON s.id = r.seat_id
        JOIN concert_options o ON o.id = r.option_id
        LEFT JOIN LATERAL (
          SELECT * FROM payment_transactions pt
           WHERE pt.reservation_id = r.id AND pt.type = 'PAYMENT' ORDER BY pt.id DESC LIMIT 1
        ) p ON true
       WHERE ${where}`;
  }

  async findById(id: number, withUsername = false): Promise<ReservationView | undefined> {
    const rows = await queryRows<ViewRow>(this.dataSource, this.select('r.id = $1', withUsername), [id]);
    return rows.length ? this.toView(rows[0]) : undefined;
  }

  /**
   * The view of a reservation the hold statement just created, from that statement's own row: a new
   * reservation has no payment attempt yet, so findById would only repeat what the hold already returned.
   */
  ofNewHold(row: HeldRow): ReservationView {
    return this.toView({ ...row, ...NO_PAYMENT });
  }

  private toView({ concertDate, ...row }: ViewRow): ReservationView {
    return { ...row, refundCutoffAt: refundCutoffAt(concertDate, this.config.refundCutoffHours) };
  }

  /** Newest first; `withUsername` adds the owner's username (the admin console's list). */
  async list(filter: ReservationFilter, withUsername = false): Promise<ReservationView[]> {
    const params: unknown[] = [];
    const conditions = ['true'];
    if (filter.userId) {
      params.push(filter.userId);
      conditions.push(`r.user_id = $${params.length}`);
    }
    if (filter.statuses?.length) {
      params.push(filter.statuses);
      conditions.push(`r.status = ANY($${params.length})`);
    }
    if (filter.optionId) {
      params.push(filter.optionId);
      conditions.push(`r.option_id = $${params.length}`);
    }
    if (filter.concertId) {
      params.push(filter.concertId);
      conditions.push(`r.concert_id = $${params.length}`);
    }
    params.push(filter.limit);
    const rows = await queryRows<ViewRow>(
      this.dataSource,
      `${this.select(conditions.join(' AND '), withUsername)} ORDER BY r.id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => this.toView(row));
  }
}
