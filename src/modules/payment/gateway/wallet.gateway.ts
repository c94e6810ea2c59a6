import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../../database/sql';
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
      // Settled by someone else (the reconciler): its outcome stands, and the row is no longer PENDING.
      if (err instanceof AlreadySettled) return (await this.currentOutcome(request.transactionId))!;
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
    const outcome = await this.currentOutcome(request.transactionId);
    if (outcome) return outcome;
    return {
      status: 'FAILED',
      providerTransactionId: `wallet_${request.transactionId}`,
      failureReason: 'ABANDONED: no debit was made (the process stopped before charging)',
    };
  }

  /** The settled outcome of a wallet row; undefined while it is still PENDING. */
  private async currentOutcome(transactionId: number): Promise<ChargeResult | undefined> {
    const row = await queryOne<{ status: string; failure_reason: string | null }>(
      this.dataSource,
      'SELECT status, failure_reason FROM payment_transactions WHERE id = $1',
      [transactionId],
    );
    const providerTransactionId = `wallet_${transactionId}`;
    if (row?.status === 'SUCCESS') return { status: 'SUCCESS', providerTransactionId };
    if (row?.status === 'FAILED') {
      return { status: 'FAILED', providerTransactionId, failureReason: row.failure_reason ?? 'UNKNOWN' };
    }
    return undefined;
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
