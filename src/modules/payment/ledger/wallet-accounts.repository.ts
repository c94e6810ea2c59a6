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

  /**
   * Counts a self top-up against the fan's cap for the UTC day of `now`, if it fits: one conditional
   * upsert, so parallel top-ups cannot pass the cap together. False when it would go over.
   */
  async countSelfCharge(em: EntityManager, userId: number, amount: number, now: Date, dayCap: number) {
    const row = await queryOne(
      em,
      `INSERT INTO wallet_self_charges AS c (user_id, day, amount)
       SELECT $1::int, ($3::timestamptz AT TIME ZONE 'UTC')::date, $2::bigint WHERE $2::bigint <= $4::bigint
       ON CONFLICT (user_id, day) DO UPDATE SET amount = c.amount + excluded.amount
        WHERE c.amount + excluded.amount <= $4
       RETURNING amount`,
      [userId, amount, now, dayCap],
    );
    return row !== undefined;
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
