import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Release class: EXPAND. Drops a constraint; the previous release runs unchanged.
 *
 * Drops the foreign key reservations.order_id → orders. Its check ran once per HOLD row, on the on-sale's
 * hottest statement, and locked the order row that the same statement had just inserted (a tuple lock, a
 * WAL record and a dirtied page per hold): with it the v7 hold ran at 2,755 holds/s on average over seven
 * runs, without it at 3,632 over five (bench/RESULTS.md, "The v7 hold as an order of one"). Every
 * reservation is written together with its order, in one statement (the hold, the order by seat ids) or by
 * the previous release's trigger (reservations_order_of_one), orders are never deleted, and
 * support/invariants.ts checks after every money and seat spec that each reservation's order exists.
 * The other foreign keys stay: they lock rows (seats, users, shows) the statement reads or locks anyway.
 */
export class HoldWithoutOrderForeignKey1764000025000 implements MigrationInterface {
  name = 'HoldWithoutOrderForeignKey1764000025000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reservations DROP CONSTRAINT reservations_order_id_fkey`);
  }

  /** Validates every existing row: an order that went missing meanwhile fails the revert, loudly. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE reservations ADD CONSTRAINT reservations_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders(id)`,
    );
  }
}
