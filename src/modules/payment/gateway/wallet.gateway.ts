import { DataSource } from 'typeorm';
import { inTransaction } from '../../../database/transaction';
import { LedgerRepository } from '../ledger/ledger.repository';
import { WalletAccounts } from '../ledger/wallet-accounts.repository';
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
 * Pays from the user's wallet balance. The balance and the ledger row move in one transaction (through
 * the ledger's and the wallets' own queries), so money can never leave the wallet without a SUCCESS row,
 * or come back without a SUCCESS refund row. The balance never goes negative: the debit is conditional.
 */
export class WalletPaymentGateway implements PaymentGateway {
  readonly provider = 'wallet' as const;
  readonly mode = 'WALLET_LEDGER' as const;
  readonly supportedMethods = ['WALLET'] as const;
  readonly availableByDefault = ['WALLET'] as const;
  readonly acceptsMockOutcome = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: LedgerRepository,
    private readonly wallets: WalletAccounts,
  ) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const providerTransactionId = `wallet_${request.transactionId}`;
    try {
      return await inTransaction(this.dataSource, async (em) => {
        const balance = await this.wallets.debit(em, request.userId, request.amount);
        const failureReason = balance === undefined ? 'INSUFFICIENT_BALANCE' : null;
        const status = failureReason ? 'FAILED' : 'SUCCESS';
        const settled = await this.ledger.settle(em, request.transactionId, {
          status,
          providerTransactionId,
          failureReason,
          balanceAfterAmount: balance,
        });
        if (!settled) throw new AlreadySettled(); // rolls the debit back
        return failureReason
          ? { status: 'FAILED', providerTransactionId, failureReason, insufficientBalance: true }
          : { status: 'SUCCESS', providerTransactionId };
      });
    } catch (err) {
      // Settled by someone else (the reconciler): its outcome stands, and the row is no longer PENDING.
      if (err instanceof AlreadySettled) return (await this.currentOutcome(request.transactionId))!;
      throw err;
    }
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const providerTransactionId = `wallet_${request.transactionId}`;
    await inTransaction(this.dataSource, async (em) => {
      const balance = await this.wallets.credit(em, request.userId, request.amount);
      const settled = await this.ledger.settle(em, request.transactionId, {
        status: 'SUCCESS',
        providerTransactionId,
        balanceAfterAmount: balance,
      });
      if (!settled) throw new AlreadySettled();
    }).catch((err: unknown) => {
      if (!(err instanceof AlreadySettled)) throw err; // already refunded: the credit was rolled back
    });
    return { status: 'SUCCESS', providerTransactionId };
  }

  /**
   * The debit commits in the same transaction that settles the row, so a row still PENDING means no money
   * left the wallet: the attempt is abandoned. (If a debit were racing this answer, the reconciler's
   * conditional settle and ours serialise on the row, and the loser rolls back.)
   */
  async inquire(request: InquiryRequest): Promise<InquiryResult> {
    return (
      (await this.currentOutcome(request.transactionId)) ?? {
        status: 'FAILED',
        providerTransactionId: `wallet_${request.transactionId}`,
        failureReason: 'ABANDONED: no debit was made (the process stopped before charging)',
      }
    );
  }

  /** The settled outcome of a wallet row; undefined while it is still PENDING. */
  private async currentOutcome(transactionId: number): Promise<ChargeResult | undefined> {
    const row = await this.ledger.findById(transactionId);
    const providerTransactionId = `wallet_${transactionId}`;
    if (row?.status === 'SUCCESS') return { status: 'SUCCESS', providerTransactionId };
    if (row?.status === 'FAILED') {
      return { status: 'FAILED', providerTransactionId, failureReason: row.failureReason ?? 'UNKNOWN' };
    }
    return undefined;
  }
}
