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
    const [inserted] = await this.insertRows(em, [row], settled);
    return inserted;
  }

  /** PENDING rows in one statement (a batch of refunds), answered in the order given. */
  async insertMany(em: EntityManager, rows: NewLedgerRow[]): Promise<LedgerRow[]> {
    if (rows.length === 0) return [];
    const inserted = await this.insertRows(em, rows);
    const byKey = new Map(inserted.map((r) => [r.idempotencyKey, r]));
    return rows.map((r) => byKey.get(r.idempotencyKey)!);
  }

  private insertRows(
    em: EntityManager,
    rows: NewLedgerRow[],
    settled?: { status: 'SUCCESS'; balanceAfterAmount: number },
  ): Promise<LedgerRow[]> {
    return queryRows<LedgerRow>(
      em,
      `INSERT INTO payment_transactions (user_id, reservation_id, type, status, payment_method,
                                         payment_provider, amount, idempotency_key, balance_after_amount, order_id)
       SELECT u, r, t, $8, m, p, a, k, $9, o
         FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $10::int[])
           AS x(u, r, t, m, p, a, k, o)
       RETURNING ${LEDGER_COLUMNS}`,
      [
        rows.map((row) => row.userId),
        rows.map((row) => row.reservationId),
        rows.map((row) => row.type),
        rows.map((row) => row.paymentMethod),
        rows.map((row) => row.paymentProvider),
        rows.map((row) => row.amount),
        rows.map((row) => row.idempotencyKey),
        settled?.status ?? 'PENDING',
        settled?.balanceAfterAmount ?? null,
        rows.map((row) => row.orderId),
      ],
    );
  }

  /**
   * Moves a PENDING row to its outcome (or keeps it PENDING, recording the provider's reference).
   * Returns undefined when the row was already settled: the caller lost a race and must not act on it.
   */
  async settle(em: EntityManager, id: number, s: Settlement): Promise<LedgerRow | undefined> {
    return (await this.settleMany(em, [{ id, ...s }]))[0];
  }

  /**
   * `settle` for several rows in one statement (a batch's outcomes); answers the rows it moved, by id
   * (a row settled already is left out).
   */
  async settleMany(em: EntityManager, settlements: (Settlement & { id: number })[]): Promise<LedgerRow[]> {
    if (settlements.length === 0) return [];
    return queryRows<LedgerRow>(
      em,
      `UPDATE payment_transactions pt
          SET status = s.outcome,
              provider_transaction_id = COALESCE(s.ptid, pt.provider_transaction_id),
              failure_reason = s.failure,
              redirect_url = COALESCE(s.redirect, pt.redirect_url),
              balance_after_amount = COALESCE(s.balance, pt.balance_after_amount),
              updated_at = now()
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
           AS s(row_id, outcome, ptid, failure, redirect, balance)
        WHERE pt.id = s.row_id AND pt.status = 'PENDING'
        RETURNING ${LEDGER_COLUMNS}`,
      [
        settlements.map((x) => x.id),
        settlements.map((x) => x.status),
        settlements.map((x) => x.providerTransactionId ?? null),
        settlements.map((x) => x.failureReason ?? null),
        settlements.map((x) => x.redirectUrl ?? null),
        settlements.map((x) => x.balanceAfterAmount ?? null),
      ],
    );
  }

  /** Locks the rows still PENDING for the caller's transaction, in id order (a settled row is left out). */
  lockPendingMany(em: EntityManager, ids: number[]): Promise<LedgerRow[]> {
    return this.many(em, `id = ANY($1::int[]) AND status = 'PENDING' ORDER BY id FOR UPDATE`, ids);
  }

  findByIds(ids: number[], em: EntityManager): Promise<LedgerRow[]> {
    return this.many(em, 'id = ANY($1::int[])', ids);
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

  /** The orders' captured payments (a batch of refunds), at most one each. */
  successfulPayments(orderIds: number[], em: EntityManager): Promise<LedgerRow[]> {
    return this.many(em, `order_id = ANY($1::int[]) AND type = 'PAYMENT' AND status = 'SUCCESS'`, orderIds);
  }

  /** The item's refunds in flight (PENDING) or done (SUCCESS), by item: a unique index allows one per item. */
  liveRefunds(reservationIds: number[], em: EntityManager): Promise<LedgerRow[]> {
    return this.many(
      em,
      `reservation_id = ANY($1::int[]) AND type = 'REFUND' AND status IN ('PENDING', 'SUCCESS')`,
      reservationIds,
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

  /** Every row that `where` (its one parameter, an array, is $1) selects; none asked, no query. */
  private async many(em: EntityManager, where: string, values: number[]): Promise<LedgerRow[]> {
    if (values.length === 0) return [];
    return queryRows<LedgerRow>(em, `SELECT ${LEDGER_COLUMNS} FROM payment_transactions WHERE ${where}`, [
      values,
    ]);
  }

  /** The first row that `where` (its one parameter is $1) selects. */
  private first(em: EntityManager, where: string, value: unknown) {
    return queryOne<LedgerRow>(em, `SELECT ${LEDGER_COLUMNS} FROM payment_transactions WHERE ${where}`, [
      value,
    ]);
  }
}
