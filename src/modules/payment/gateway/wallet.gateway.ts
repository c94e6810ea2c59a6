import { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../../../database/sql';
import { inTransaction } from '../../../database/transaction';
import {
  ChargeRequest,
  ChargeResult,
  InquiryRequest,
  InquiryResult,
  PaymentGateway,
  RefundRequest,
  RefundResult,
} from './payment-gateway.port';

class AlreadySettled extends Error {}

/**
 * Pays from the user's wallet balance. The balance and the ledger row move in one transaction, so money
 * can never leave the wallet without a SUCCESS row (or come back without a SUCCESS refund row).
 * The balance never goes negative: the debit is conditional, and a check constraint backs it.
 */
export class WalletPaymentGateway implements PaymentGateway {
  readonly provider = 'wallet' as const;
  readonly mode = 'WALLET_LEDGER' as const;
  readonly supportedMethods = ['WALLET'] as const;
  readonly availableByDefault = ['WALLET'] as const;
  readonly settlesLedgerItself = true;

  constructor(private readonly dataSource: DataSource) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const providerTransactionId = `wallet_${request.transactionId}`;
    try {
      return await inTransaction(this.dataSource, async (em) => {
        const debited = await queryRows<{ balance: number }>(
          em,
          `UPDATE users SET wallet_balance_amount = wallet_balance_amount - $2
            WHERE id = $1 AND wallet_balance_amount >= $2
            RETURNING wallet_balance_amount AS balance`,
          [request.userId, request.amount],
        );
        if (debited.length === 0) {
          const failureReason = 'INSUFFICIENT_BALANCE';
          await settle(em, request.transactionId, 'FAILED', providerTransactionId, null, failureReason);
          return {
            status: 'FAILED',
            providerTransactionId,
            failureReason,
            insufficientBalance: true,
          } as const;
        }
        await settle(em, request.transactionId, 'SUCCESS', providerTransactionId, debited[0].balance, null);
        return { status: 'SUCCESS', providerTransactionId } as const;
      });
    } catch (err) {
      if (err instanceof AlreadySettled) return this.currentOutcome(request.transactionId);
      throw err;
    }
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const providerTransactionId = `wallet_${request.transactionId}`;
    try {
      return await inTransaction(this.dataSource, async (em) => {
        const credited = await queryRows<{ balance: number }>(
          em,
          `UPDATE users SET wallet_balance_amount = wallet_balance_amount + $2 WHERE id = $1
            RETURNING wallet_balance_amount AS balance`,
          [request.userId, request.amount],
        );
        await settle(em, request.transactionId, 'SUCCESS', providerTransactionId, credited[0].balance, null);
        return { status: 'SUCCESS', providerTransactionId } as const;
      });
    } catch (err) {
      if (err instanceof AlreadySettled) return { status: 'SUCCESS', providerTransactionId };
      throw err;
    }
  }

  /**
   * The debit commits in the same transaction that settles the row, so a row still PENDING means no money
   * left the wallet: the attempt is abandoned. (If a debit were racing this answer, the reconciler's
   * conditional settle and ours serialise on the row, and the loser rolls back.)
   */
  async inquire(request: InquiryRequest): Promise<InquiryResult> {
    const rows: { status: string }[] = await this.dataSource.query(
      'SELECT status FROM payment_transactions WHERE id = $1',
      [request.transactionId],
    );
    if (rows[0]?.status !== 'PENDING') return this.currentOutcome(request.transactionId);
    return {
      status: 'FAILED',
      providerTransactionId: `wallet_${request.transactionId}`,
      failureReason: 'ABANDONED: no debit was made (the process stopped before charging)',
    };
  }

  private async currentOutcome(transactionId: number): Promise<ChargeResult> {
    const rows: { status: string; failure_reason: string | null }[] = await this.dataSource.query(
      'SELECT status, failure_reason FROM payment_transactions WHERE id = $1',
      [transactionId],
    );
    const providerTransactionId = `wallet_${transactionId}`;
    return rows[0]?.status === 'SUCCESS'
      ? { status: 'SUCCESS', providerTransactionId }
      : { status: 'FAILED', providerTransactionId, failureReason: rows[0]?.failure_reason ?? 'UNKNOWN' };
  }
}

/** Settles the PENDING row; a row that is already settled rolls the money movement back. */
async function settle(
  em: EntityManager,
  transactionId: number,
  status: 'SUCCESS' | 'FAILED',
  providerTransactionId: string,
  balanceAfter: number | null,
  failureReason: string | null,
): Promise<void> {
  const rows = await queryRows(
    em,
    `UPDATE payment_transactions
        SET status = $2, provider_transaction_id = $3, balance_after_amount = $4, failure_reason = $5, updated_at = now()
      WHERE id = $1 AND status = 'PENDING' RETURNING id`,
    [transactionId, status, providerTransactionId, balanceAfter, failureReason],
  );
  if (rows.length === 0) throw new AlreadySettled();
}
