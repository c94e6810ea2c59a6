import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { hasRole, Principal } from '../../common/auth/principal';
import { DomainError, notFound } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { isUniqueViolation } from '../../common/errors/pg-errors';
import { inTransaction } from '../../database/transaction';
import { PAYMENT_GATEWAY, PaymentGateway } from './gateway/payment-gateway.port';
import { LedgerRepository } from './ledger/ledger.repository';
import { WalletAccounts } from './ledger/wallet-accounts.repository';

export const MAX_LIST_LIMIT = 200;

/** Wallet balance, top-ups (CHARGE rows) and the wallet's ledger: for the user themself or an ADMIN. */
@Injectable()
export class WalletService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: LedgerRepository,
    private readonly wallets: WalletAccounts,
    private readonly config: AppConfig,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  /** A new user's wallet with WALLET_INITIAL_BALANCE, in the sign-up transaction. */
  open(em: EntityManager, userId: number): Promise<void> {
    return this.wallets.open(em, userId, this.config.walletInitialBalance);
  }

  /** The balance, for the user's own profile (no access check: the caller is the user). */
  async balanceOf(userId: number): Promise<number> {
    return (await this.wallets.balance(userId)) ?? 0;
  }

  async balance(caller: Principal, userId: number) {
    this.assertAccess(caller, userId);
    const balance = await this.wallets.balance(userId);
    if (balance === undefined) throw notFound('User');
    return { userId, walletBalanceAmount: balance };
  }

  /** Credits the wallet; returns the row and whether it was created now (201) or replayed (200). */
  async charge(caller: Principal, userId: number, amount: number, key?: string) {
    this.assertAccess(caller, userId);
    const idempotencyKey = key ? `charge-${userId}-${key}` : `charge-${userId}-${randomUUID()}`;
    try {
      const row = await inTransaction(this.dataSource, async (em) => {
        const balance = await this.wallets.credit(em, userId, amount);
        if (balance === undefined) throw notFound('User');
        return this.ledger.insert(
          em,
          {
            userId,
            reservationId: null,
            type: 'CHARGE',
            paymentMethod: 'WALLET',
            paymentProvider: this.gateway.provider,
            amount,
            idempotencyKey,
          },
          { status: 'SUCCESS', balanceAfterAmount: balance },
        );
      });
      return { row, created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const existing = (await this.ledger.findByIdempotencyKey(idempotencyKey))!;
      if (existing.amount !== amount || existing.userId !== userId) {
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'This idempotencyKey was used for a different charge',
        );
      }
      return { row: existing, created: false };
    }
  }

  async transactions(caller: Principal, userId: number, limit = 50) {
    this.assertAccess(caller, userId);
    return this.ledger.listForUser(userId, Math.min(limit, MAX_LIST_LIMIT));
  }

  private assertAccess(caller: Principal, userId: number): void {
    if (caller.userId !== userId && !hasRole(caller, 'ADMIN')) {
      throw new DomainError('FORBIDDEN', 'Only the wallet owner or an ADMIN may do this');
    }
  }
}
