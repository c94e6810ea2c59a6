import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryOne, queryRows } from '../../../database/sql';

/**
 * Why a payment needs an operator:
 * PENDING_AFTER_HOLD_ENDED — the attempt is still PENDING but its reservation can no longer be confirmed
 *   (EXPIRED, CANCELLED, or live past its deadline): the PG never answered, or its answer was lost;
 * PAID_WITHOUT_TICKET — captured (SUCCESS) for an EXPIRED/CANCELLED reservation and not refunded
 *   (the automatic refund failed).
 */
export type StuckReason = 'PENDING_AFTER_HOLD_ENDED' | 'PAID_WITHOUT_TICKET';

export interface StuckPayment {
  paymentTransactionId: number;
  orderId: number;
  /** The reservation of an order of one; null for an order of several seats. */
  reservationId: number | null;
  userId: number;
  amount: number;
  paymentStatus: string;
  paymentMethod: string | null;
  paymentProvider: string;
  providerTransactionId: string | null;
  idempotencyKey: string;
  createdAt: Date;
  /** The order's status (for an order of one, its reservation's). */
  reservationStatus: string;
  holdExpiresAt: Date;
  reason: StuckReason;
}

/**
 * A PENDING attempt whose order cannot be confirmed any more (uses the partial PENDING index). The items'
 * deadline is the order's (they share it); read from the items, whose row the expiry moves.
 */
const PENDING_AFTER_HOLD = `
  p.type = 'PAYMENT' AND p.status = 'PENDING'
  AND (o.status NOT IN ('HOLD', 'PAYING')
       OR EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = o.id AND r.hold_expires_at <= $1))`;

@Injectable()
export class StuckPaymentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(now: Date, limit: number): Promise<StuckPayment[]> {
    return queryRows<StuckPayment>(
      this.dataSource,
      `SELECT * FROM (
         SELECT p.id AS "paymentTransactionId", p.order_id AS "orderId", p.reservation_id AS "reservationId",
                p.user_id AS "userId",
                p.amount, p.status AS "paymentStatus", p.payment_method AS "paymentMethod",
                p.payment_provider AS "paymentProvider", p.provider_transaction_id AS "providerTransactionId",
                p.idempotency_key AS "idempotencyKey", p.created_at AS "createdAt",
                o.status AS "reservationStatus", o.hold_expires_at AS "holdExpiresAt",
                CASE WHEN p.status = 'PENDING' THEN 'PENDING_AFTER_HOLD_ENDED' ELSE 'PAID_WITHOUT_TICKET' END AS reason
           FROM payment_transactions p JOIN orders o ON o.id = p.order_id
          WHERE (${PENDING_AFTER_HOLD})
             OR (p.type = 'PAYMENT' AND p.status = 'SUCCESS' AND o.status IN ('EXPIRED', 'CANCELLED')
                 AND EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = o.id
                                AND NOT EXISTS (SELECT 1 FROM payment_transactions f
                                                 WHERE f.reservation_id = r.id AND f.type = 'REFUND'
                                                   AND f.status = 'SUCCESS')))
       ) s ORDER BY "paymentTransactionId" LIMIT $2`,
      [now, limit],
    );
  }

  /** Cheap enough to run periodically: walks only the PENDING rows. */
  async countPending(now: Date): Promise<number> {
    const row = await queryOne<{ n: number }>(
      this.dataSource,
      `SELECT count(*)::int AS n FROM payment_transactions p JOIN orders o ON o.id = p.order_id
        WHERE ${PENDING_AFTER_HOLD}`,
      [now],
    );
    return row?.n ?? 0;
  }
}
