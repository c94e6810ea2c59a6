import { DataSource, EntityManager } from 'typeorm';
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

  charge(request: ChargeRequest): Promise<ChargeResult> {
    return inTransaction(this.dataSource, (em) => this.chargeWithin(em, request));
  }

  /**
   * Debits the balance and settles the attempt in the caller's transaction. The attempt is locked first:
   * one already settled by someone else (the reconciler) keeps its outcome, and no money moves.
   */
  async chargeWithin(em: EntityManager, request: ChargeRequest): Promise<ChargeResult> {
    const providerTransactionId = `wallet_${request.transactionId}`;
    if (!(await this.ledger.lockPending(em, request.transactionId))) {
      return (await this.currentOutcome(request.transactionId, em))!;
    }
    const balance = await this.wallets.debit(em, request.userId, request.amount);
    const failureReason = balance === undefined ? 'INSUFFICIENT_BALANCE' : null;
    await this.ledger.settle(em, request.transactionId, {
      status: failureReason ? 'FAILED' : 'SUCCESS',
      providerTransactionId,
      failureReason,
      balanceAfterAmount: balance,
    });
    return failureReason
      ? { status: 'FAILED', providerTransactionId, failureReason, insufficientBalance: true }
      : { status: 'SUCCESS', providerTransactionId };
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
   * conditional settle and the charge's lock serialise on the row, and the later one moves no money.)
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
  private async currentOutcome(transactionId: number, em?: EntityManager): Promise<ChargeResult | undefined> {
    const row = await this.ledger.findById(transactionId, em);
    const providerTransactionId = `wallet_${transactionId}`;
    if (row?.status === 'SUCCESS') return { status: 'SUCCESS', providerTransactionId };
    if (row?.status === 'FAILED') {
      return { status: 'FAILED', providerTransactionId, failureReason: row.failureReason ?? 'UNKNOWN' };
    }
    return undefined;
  }
}
