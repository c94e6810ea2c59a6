import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { hasRole, Principal } from '../../common/auth/principal';
import { DomainError, notFound } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { isUniqueViolation } from '../../common/errors/pg-errors';
import { inTransaction } from '../../database/transaction';
import { Clock, CLOCK } from '../../common/clock';
import { AdminActions } from '../../infra/admin-actions/admin-actions';
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
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly actions: AdminActions,
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

  /**
   * Credits the wallet; returns the row and whether it was created now (201) or replayed (200). A fan's
   * own top-up is a demo feature (WALLET_SELF_CHARGE), capped per charge and per UTC day; an ADMIN's credit
   * to someone else needs a reason and is recorded in admin_actions with the ledger row.
   */
  async charge(caller: Principal, userId: number, amount: number, key?: string, reason?: string) {
    this.assertAccess(caller, userId);
    const self = caller.userId === userId;
    if (self) this.assertSelfChargeAllowed(amount);
    else if (!reason) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        'reason is required for an ADMIN credit',
      ]);
    }
    const idempotencyKey = key ? `charge-${userId}-${key}` : `charge-${userId}-${randomUUID()}`;
    try {
      const row = await inTransaction(this.dataSource, async (em) => {
        const balance = await this.wallets.credit(em, userId, amount);
        if (balance === undefined) throw notFound('User');
        const row = await this.ledger.insert(
          em,
          {
            userId,
            orderId: null,
            reservationId: null,
            type: 'CHARGE',
            paymentMethod: 'WALLET',
            paymentProvider: this.gateway.provider,
            amount,
            idempotencyKey,
          },
          { status: 'SUCCESS', balanceAfterAmount: balance },
        );
        // After the ledger row: a replayed key fails on its unique index first and is answered as a replay.
        if (
          self &&
          !(await this.wallets.countSelfCharge(
            em,
            userId,
            amount,
            this.clock.now(),
            this.config.walletMaxChargePerDay,
          ))
        ) {
          throw chargeLimit(
            `Self top-ups are capped at ${this.config.walletMaxChargePerDay} KRW per UTC day`,
          );
        }
        if (!self) {
          const detail = { amount, reason, ledgerId: row.id };
          await this.actions.record(em, caller, {
            action: 'WALLET_CREDITED',
            targetType: 'USER',
            targetId: userId,
            detail,
          });
        }
        return row;
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

  private assertSelfChargeAllowed(amount: number): void {
    if (!this.config.walletSelfCharge) {
      throw new DomainError(
        'FORBIDDEN',
        'Self top-ups are off on this service (WALLET_SELF_CHARGE); ask an admin',
      );
    }
    if (amount > this.config.walletMaxCharge) {
      throw chargeLimit(`A self top-up is at most ${this.config.walletMaxCharge} KRW`);
    }
  }

  private assertAccess(caller: Principal, userId: number): void {
    if (caller.userId !== userId && !hasRole(caller, 'ADMIN')) {
      throw new DomainError('FORBIDDEN', 'Only the wallet owner or an ADMIN may do this');
    }
  }
}

const chargeLimit = (message: string) => new DomainError('CHARGE_LIMIT_REACHED', message);
