import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, notFound } from '../../common/errors/domain-error';
import { isUniqueViolation } from '../../database/pg-errors';
import { queryOne } from '../../database/sql';
import { inTransaction } from '../../database/transaction';
import { hasRole, Principal } from '../auth/principal';
import { PAYMENT_GATEWAY, PaymentGateway } from './gateway/payment-gateway.port';
import { LEDGER_COLUMNS, LedgerRepository, LedgerRow } from './ledger.repository';

export const MAX_LIST_LIMIT = 200;

/** Wallet balance, top-ups (CHARGE rows) and the wallet's ledger: for the user themself or an ADMIN. */
@Injectable()
export class WalletService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: LedgerRepository,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  async balance(caller: Principal, userId: number) {
    this.assertAccess(caller, userId);
    const user = await queryOne<{ balance: number }>(
      this.dataSource,
      'SELECT wallet_balance_amount AS balance FROM users WHERE id = $1',
      [userId],
    );
    if (!user) throw notFound('User');
    return { userId, walletBalanceAmount: user.balance };
  }

  /** Credits the wallet; returns the row and whether it was created now (201) or replayed (200). */
  async charge(caller: Principal, userId: number, amount: number, key?: string) {
    this.assertAccess(caller, userId);
    const idempotencyKey = key ? `charge-${userId}-${key}` : `charge-${userId}-${randomUUID()}`;
    try {
      const row = await inTransaction(this.dataSource, async (em) => {
        const credited = await queryOne<{ balance: number }>(
          em,
          `UPDATE users SET wallet_balance_amount = wallet_balance_amount + $2 WHERE id = $1
            RETURNING wallet_balance_amount AS balance`,
          [userId, amount],
        );
        if (!credited) throw notFound('User');
        return queryOne<LedgerRow>(
          em,
          `INSERT INTO payment_transactions (user_id, type, status, payment_method, payment_provider, amount,
                                             balance_after_amount, idempotency_key)
           VALUES ($1, 'CHARGE', 'SUCCESS', 'WALLET', $2, $3, $4, $5) RETURNING ${LEDGER_COLUMNS}`,
          [userId, this.gateway.provider, amount, credited.balance, idempotencyKey],
        );
      });
      return { row: row!, created: true };
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
