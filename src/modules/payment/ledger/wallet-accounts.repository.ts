import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne } from '../../../database/sql';

/**
 * The wallets table: one balance per user, never negative (a check constraint backs the conditional
 * debit). Balance moves happen in the caller's transaction, together with the ledger row that records them.
 */
@Injectable()
export class WalletAccounts {
  constructor(private readonly dataSource: DataSource) {}

  /** A new user's wallet, in the sign-up transaction. */
  async open(em: EntityManager, userId: number, initialBalance: number): Promise<void> {
    await em.query('INSERT INTO wallets (user_id, balance_amount) VALUES ($1, $2)', [userId, initialBalance]);
  }

  async balance(userId: number): Promise<number | undefined> {
    const row = await queryOne<{ balance: number }>(
      this.dataSource,
      'SELECT balance_amount AS balance FROM wallets WHERE user_id = $1',
      [userId],
    );
    return row?.balance;
  }

  /** Takes `amount` if the balance covers it; returns the new balance, or undefined when it does not. */
  async debit(em: EntityManager, userId: number, amount: number): Promise<number | undefined> {
    const row = await queryOne<{ balance: number }>(
      em,
      `UPDATE wallets SET balance_amount = balance_amount - $2, updated_at = now()
        WHERE user_id = $1 AND balance_amount >= $2 RETURNING balance_amount AS balance`,
      [userId, amount],
    );
    return row?.balance;
  }

  /** Adds `amount`; returns the new balance, or undefined when the user has no wallet. */
  async credit(em: EntityManager, userId: number, amount: number): Promise<number | undefined> {
    const row = await queryOne<{ balance: number }>(
      em,
      `UPDATE wallets SET balance_amount = balance_amount + $2, updated_at = now()
        WHERE user_id = $1 RETURNING balance_amount AS balance`,
      [userId, amount],
    );
    return row?.balance;
  }
}
