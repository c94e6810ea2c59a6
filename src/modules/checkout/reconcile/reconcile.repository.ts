import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from '../../../database/sql';
import { LEDGER_COLUMNS, LedgerRow } from '../../payment/ledger/ledger.repository';

/**
 * The reconciler's named queries: ledger rows a dead process may have left unfinished.
 * PENDING rows are claimed with a lease (updated_at moved to "now", so every instance skips them for one
 * grace period) under FOR UPDATE SKIP LOCKED, so two instances never work on the same row at once.
 */
@Injectable()
export class ReconcileRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * PENDING rows of `type` by any of `providers` whose gateway answer was never recorded (no provider reference:
   * recording any answer, PENDING included, stores one), untouched since `olderThan`; leased until
   * `now` + grace. An attempt the gateway answered PENDING waits for its webhook, not for us.
   */
  claimStalePending(
    type: 'PAYMENT' | 'REFUND',
    providers: readonly string[],
    olderThan: Date,
    now: Date,
    limit: number,
  ): Promise<LedgerRow[]> {
    return queryRows<LedgerRow>(
      this.dataSource,
      `UPDATE payment_transactions SET updated_at = $4
        WHERE id IN (SELECT id FROM payment_transactions
                      WHERE status = 'PENDING' AND type = $1 AND payment_provider = ANY($2)
                        AND provider_transaction_id IS NULL AND updated_at <= $3
                      ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED)
          AND status = 'PENDING'
        RETURNING ${LEDGER_COLUMNS}`,
      [type, providers, olderThan, now, limit],
    );
  }

  /**
   * Orders with a captured payment and an item that has neither a ticket nor a refund in flight or done: the
   * process died between capture and moving the order (or before its compensating refunds). Only payments
   * settled before `olderThan` and after `since` (the partial index keeps this cheap on a large ledger).
   */
  paidWithoutTicket(olderThan: Date, since: Date, limit: number): Promise<{ orderId: number }[]> {
    return queryRows<{ orderId: number }>(
      this.dataSource,
      `SELECT p.order_id AS "orderId"
         FROM payment_transactions p
        WHERE p.type = 'PAYMENT' AND p.status = 'SUCCESS' AND p.updated_at <= $1 AND p.updated_at > $2
          AND EXISTS (SELECT 1 FROM reservations r
                       WHERE r.order_id = p.order_id AND r.status NOT IN ('CONFIRMED', 'REFUNDED')
                         AND NOT EXISTS (SELECT 1 FROM payment_transactions f
                                          WHERE f.reservation_id = r.id AND f.type = 'REFUND'
                                            AND f.status IN ('PENDING', 'SUCCESS')))
        ORDER BY p.id LIMIT $3`,
      [olderThan, since, limit],
    );
  }
}
