import { EntityManager } from 'typeorm';
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

/**
 * Pays from the user's wallet balance. The money lives in this database, so it moves in `commitCharge` /
 * `commitRefund`, inside the transaction that settles the ledger row (and moves the ticket): money can never
 * leave the wallet without a SUCCESS row, or come back without a SUCCESS refund row, and no reader ever sees
 * a captured payment on a reservation still waiting for it. The balance never goes negative: the debit is
 * conditional. `charge` and `refund` themselves (outside any transaction) have nothing to do.
 */
export class WalletPaymentGateway implements PaymentGateway {
  readonly provider = 'wallet' as const;
  readonly mode = 'WALLET_LEDGER' as const;
  readonly supportedMethods = ['WALLET'] as const;
  readonly availableByDefault = ['WALLET'] as const;
  readonly acceptsMockOutcome = false;

  constructor(
    private readonly ledger: LedgerRepository,
    private readonly wallets: WalletAccounts,
  ) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    return { status: 'SUCCESS', providerTransactionId: walletReference(request.transactionId) };
  }

  /** Debits the balance; too low a balance turns the answer into a decline, and nothing moves. */
  async commitCharge(em: EntityManager, request: ChargeRequest, result: ChargeResult): Promise<ChargeResult> {
    if (result.status !== 'SUCCESS') return result;
    const providerTransactionId = walletReference(request.transactionId);
    const balance = await this.wallets.debit(em, request.userId, request.amount);
    if (balance === undefined) {
      return {
        status: 'FAILED',
        providerTransactionId,
        failureReason: 'INSUFFICIENT_BALANCE',
        insufficientBalance: true,
      };
    }
    return { status: 'SUCCESS', providerTransactionId, balanceAfterAmount: balance };
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    return { status: 'SUCCESS', providerTransactionId: walletReference(request.transactionId) };
  }

  async commitRefund(em: EntityManager, request: RefundRequest, result: RefundResult): Promise<RefundResult> {
    if (result.status !== 'SUCCESS') return result;
    const balance = await this.wallets.credit(em, request.userId, request.amount);
    return { ...result, balanceAfterAmount: balance };
  }

  /**
   * The debit commits in the same transaction that settles the row, so a row still PENDING means no money
   * left the wallet: the attempt is abandoned. (A debit racing this answer cannot happen twice: the outcome
   * is recorded only on a row locked and still PENDING, so the later of the two moves no money.)
   */
  async inquire(request: InquiryRequest): Promise<InquiryResult> {
    const row = await this.ledger.findById(request.transactionId);
    const providerTransactionId = walletReference(request.transactionId);
    if (row?.status === 'SUCCESS') return { status: 'SUCCESS', providerTransactionId };
    if (row?.status === 'FAILED') {
      return { status: 'FAILED', providerTransactionId, failureReason: row.failureReason ?? 'UNKNOWN' };
    }
    return {
      status: 'FAILED',
      providerTransactionId,
      failureReason: 'ABANDONED: no debit was made (the process stopped before charging)',
    };
  }
}

const walletReference = (transactionId: number) => `wallet_${transactionId}`;
