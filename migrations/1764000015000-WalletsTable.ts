import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Release class: CONTRACT. users.wallet_balance_amount goes, which the previous release reads and writes.
 *
 * The wallet balance moves from `users` (the auth module's table) to a table of the payment side's own.
 * Every user gets their row, with the balance they had.
 */
export class WalletsTable1764000015000 implements MigrationInterface {
  name = 'WalletsTable1764000015000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wallets (
        user_id integer PRIMARY KEY REFERENCES users(id),
        balance_amount bigint NOT NULL CHECK (balance_amount >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `INSERT INTO wallets (user_id, balance_amount) SELECT id, wallet_balance_amount FROM users`,
    );
    await q.query(`ALTER TABLE users DROP COLUMN wallet_balance_amount`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN wallet_balance_amount bigint NOT NULL DEFAULT 0
                     CHECK (wallet_balance_amount >= 0)`);
    await q.query(
      `UPDATE users u SET wallet_balance_amount = w.balance_amount FROM wallets w WHERE w.user_id = u.id`,
    );
    await q.query(`DROP TABLE wallets`);
  }
}
