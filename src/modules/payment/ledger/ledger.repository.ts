import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../../database/sql';

export type LedgerType = 'CHARGE' | 'PAYMENT' | 'REFUND';
export type LedgerStatus = 'PENDING' | 'SUCCESS' | 'FAILED';

/** A payment_transactions row in the contract's field names. */
export interface LedgerRow {
  id: number;
  userId: number;
  /** PAYMENT and REFUND rows belong to an order; CHARGE rows (wallet top-ups) to none. */
  orderId: number | null;
  /** A REFUND's item; a PAYMENT's only when its order has one seat (the v7 reservation). */
  reservationId: number | null;
  type: LedgerType;
  status: LedgerStatus;
  paymentMethod: string | null;
  paymentProvider: string;
  providerTransactionId: string | null;
  amount: number;
  balanceAfterAmount: number | null;
  idempotencyKey: string;
  failureReason: string | null;
  redirectUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const LEDGER_COLUMNS = `
  id, user_id AS "userId", order_id AS "orderId", reservation_id AS "reservationId", type, status,
  payment_method AS "paymentMethod", payment_provider AS "paymentProvider",
  provider_transaction_id AS "providerTransactionId", amount, balance_after_amount AS "balanceAfterAmount",
  idempotency_key AS "idempotencyKey", failure_reason AS "failureReason", redirect_url AS "redirectUrl",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export interface NewLedgerRow {
  userId: number;
  orderId: number | null;
  reservationId: number | null;
  type: LedgerType;
  paymentMethod: string | null;
  paymentProvider: string;
  amount: number;
  idempotencyKey: string;
}

export interface Settlement {
  status: LedgerStatus;
  providerTransactionId?: string | null;
  failureReason?: string | null;
  redirectUrl?: string | null;
  /** The wallet's balance after the move this row records (wallet provider only). */
  balanceAfterAmount?: number | null;
}

/** Named queries on the ledger. Settled rows (SUCCESS/FAILED) are never updated: a trigger refuses it. */
@Injectable()
export class LedgerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A new ledger row: PENDING (an attempt or refund about to be sent) or SUCCESS (a wallet top-up). */
  async insert(
    em: EntityManager,
    row: NewLedgerRow,
    settled?: { status: 'SUCCESS'; balanceAfterAmount: number },
  ): Promise<LedgerRow> {
    const rows = await queryRows<LedgerRow>(
      em,
      `INSERT INTO payment_transactions (user_id, reservation_id, type, status, payment_method,
                                         payment_provider, amount, idempotency_key, balance_after_amount, order_id)
       VALUES ($1, $2, $3, $8, $4, $5, $6, $7, $9, $10) RETURNING ${LEDGER_COLUMNS}`,
      [
        row.userId,
        row.reservationId,
        row.type,
        row.paymentMethod,
        row.paymentProvider,
        row.amount,
        row.idempotencyKey,
        settled?.status ?? 'PENDING',
        settled?.balanceAfterAmount ?? null,
        row.orderId,
      ],
    );
    return rows[0];
  }

  /**
   * Moves a PENDING row to its outcome (or keeps it PENDING, recording the provider's reference).
   * Returns undefined when the row was already settled: the caller lost a race and must not act on it.
   */
  async settle(em: EntityManager, id: number, s: Settlement): Promise<LedgerRow | undefined> {
    return queryOne<LedgerRow>(
      em,
      `UPDATE payment_transactions
          SET status = $2,
              provider_transaction_id = COALESCE($3, provider_transaction_id),
              failure_reason = $4,
              redirect_url = COALESCE($5, redirect_url),
              balance_after_amount = COALESCE($6, balance_after_amount),
              updated_at = now()
        WHERE id = $1 AND status = 'PENDING'
        RETURNING ${LEDGER_COLUMNS}`,
      [
        id,
        s.status,
        s.providerTransactionId ?? null,
        s.failureReason ?? null,
        s.redirectUrl ?? null,
        s.balanceAfterAmount ?? null,
      ],
    );
  }

  /** Locks a row that is still PENDING for the caller's transaction; undefined once it is settled. */
  lockPending(em: EntityManager, id: number) {
    return this.first(em, `id = $1 AND status = 'PENDING' FOR UPDATE`, id);
  }

  findById(id: number, em: EntityManager = this.dataSource.manager) {
    return this.first(em, 'id = $1', id);
  }

  findByIdempotencyKey(key: string, em: EntityManager = this.dataSource.manager) {
    return this.first(em, 'idempotency_key = $1', key);
  }

  /** The order's latest payment attempt. */
  latestPayment(orderId: number, em: EntityManager) {
    return this.first(em, `order_id = $1 AND type = 'PAYMENT' ORDER BY id DESC LIMIT 1`, orderId);
  }

  /** The attempt that blocks a new one: in flight (PENDING) or paid (SUCCESS); a unique index allows one per order. */
  livePayment(orderId: number, em: EntityManager) {
    return this.first(em, `order_id = $1 AND type = 'PAYMENT' AND status IN ('PENDING', 'SUCCESS')`, orderId);
  }

  /** The order's captured payment, if any (at most one: a unique index guarantees it). */
  successfulPayment(orderId: number, em: EntityManager = this.dataSource.manager) {
    return this.first(em, `order_id = $1 AND type = 'PAYMENT' AND status = 'SUCCESS'`, orderId);
  }

  /** The item's refunds in flight (PENDING) or done (SUCCESS), by item: a unique index allows one per item. */
  liveRefunds(reservationIds: number[], em: EntityManager): Promise<LedgerRow[]> {
    return queryRows<LedgerRow>(
      em,
      `SELECT ${LEDGER_COLUMNS} FROM payment_transactions
        WHERE reservation_id = ANY($1::int[]) AND type = 'REFUND' AND status IN ('PENDING', 'SUCCESS')`,
      [reservationIds],
    );
  }

  /** The order's ledger rows (its attempts and its items' refunds), oldest first. */
  listForOrder(orderId: number): Promise<LedgerRow[]> {
    return queryRows<LedgerRow>(
      this.dataSource,
      `SELECT ${LEDGER_COLUMNS} FROM payment_transactions WHERE order_id = $1 ORDER BY id`,
      [orderId],
    );
  }

  /**
   * An item's ledger rows, oldest first: its order's PAYMENT attempts and the item's own REFUND rows (for
   * an order of one, every row of the reservation, as before orders).
   */
  listForItem(orderId: number, reservationId: number): Promise<LedgerRow[]> {
    return queryRows<LedgerRow>(
      this.dataSource,
      `SELECT ${LEDGER_COLUMNS} FROM payment_transactions
        WHERE order_id = $1 AND (type = 'PAYMENT' OR reservation_id = $2)
        ORDER BY id`,
      [orderId, reservationId],
    );
  }

  listForUser(userId: number, limit: number): Promise<LedgerRow[]> {
    return this.dataSource.query(
      `SELECT ${LEDGER_COLUMNS} FROM payment_transactions WHERE user_id = $1 ORDER BY id DESC LIMIT $2`,
      [userId, limit],
    );
  }

  /** The first row that `where` (its one parameter is $1) selects. */
  private first(em: EntityManager, where: string, value: unknown) {
    return queryOne<LedgerRow>(em, `SELECT ${LEDGER_COLUMNS} FROM payment_transactions WHERE ${where}`, [
      value,
    ]);
  }
}
