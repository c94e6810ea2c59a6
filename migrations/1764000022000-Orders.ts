import { MigrationInterface, QueryRunner } from 'typeorm';
import { refuseRevertWhileDataExists } from '../src/database/migration-guard';

/**
 * Release class: EXPAND. The previous release keeps working on this schema without knowing orders: it
 * inserts reservations and ledger rows without `order_id` and moves reservations one at a time. Three
 * triggers keep its writes whole:
 * - `reservations_order_of_one` (BEFORE INSERT, only when `order_id` is NULL) makes the reservation an
 *   order of one, as this release's hold does in its own statement;
 * - `payment_transactions_order_of_item` (BEFORE INSERT, only when `order_id` is NULL) gives a ledger row
 *   of a reservation that reservation's order;
 * - `reservations_order_follows_items` (AFTER UPDATE, per statement) moves the order when its items moved, and
 *   writes its ORDER_STATUS outbox row in the same transaction. This release relies on it too: an order's
 *   status is derived from its items in this one place (the rules are in ORDER_FOLLOWS_ITEMS_FUNCTION below).
 *
 * Orders: several seats held together, paid once (contract "Orders: several seats, one payment").
 * - `orders` owns the deadline, the status and `seat_count` (the v7 calls on an item of an order of two or
 *   more seats answer ORDER_REQUIRED); `cancel_reason` is `SHOW_CANCELLED` or NULL.
 * - `reservations.order_id` (NOT NULL: every reservation belongs to exactly one order);
 *   `payment_transactions.order_id` on every PAYMENT and REFUND row (a REFUND row of an item keeps the
 *   item's `reservation_id`; a PAYMENT of an order of several seats has none). One live PAYMENT per order
 *   (partial unique index), as there was one per reservation.
 * - Existing data: every reservation becomes an order of one with the reservation's id (so the ledger rows
 *   move with it by `order_id = reservation_id`), the order's status the reservation's.
 * - outbox_events takes `ORDER_STATUS` rows (payload form).
 *
 * Revert: supported while every order has one seat (the previous schema has no way to say that two
 * reservations were bought together) and no ORDER_STATUS outbox row is left (the outbox prunes them);
 * otherwise down() stops with the counts and changes nothing. It keeps every reservation and ledger row.
 */
export class Orders1764000022000 implements MigrationInterface {
  name = 'Orders1764000022000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orders (
        id serial PRIMARY KEY,
        user_id integer NOT NULL REFERENCES users(id),
        concert_id integer NOT NULL REFERENCES concerts(id),
        option_id integer NOT NULL REFERENCES concert_options(id),
        status varchar(20) NOT NULL CHECK (status IN ('HOLD', 'PAYING', 'CONFIRMED', 'PARTIALLY_REFUNDED',
                                                       'REFUNDED', 'EXPIRED', 'CANCELLED')),
        seat_count integer NOT NULL CHECK (seat_count >= 1),
        total_amount bigint NOT NULL CHECK (total_amount >= 0),
        adjacent boolean NOT NULL,
        hold_expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        confirmed_at timestamptz,
        expired_at timestamptz,
        cancelled_at timestamptz,
        cancel_reason varchar(20) CHECK (cancel_reason IN ('SHOW_CANCELLED')),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX orders_user_idx ON orders (user_id, id DESC)`);
    await q.query(`CREATE INDEX orders_option_idx ON orders (option_id, id DESC)`);
    await q.query(
      `CREATE INDEX orders_live_by_deadline ON orders (hold_expires_at) WHERE status IN ('HOLD', 'PAYING')`,
    );
    await q.query(`
      INSERT INTO orders (id, user_id, concert_id, option_id, status, seat_count, total_amount, adjacent,
                          hold_expires_at, created_at, confirmed_at, expired_at, cancelled_at, updated_at)
      SELECT id, user_id, concert_id, option_id, status, 1, amount, true, hold_expires_at, reserved_at,
             confirmed_at, expired_at, cancelled_at, updated_at
        FROM reservations ORDER BY id`);
    await q.query(
      `SELECT setval(pg_get_serial_sequence('orders', 'id'), coalesce((SELECT max(id) FROM orders), 0) + 1, false)`,
    );
    await q.query(`ALTER TABLE reservations ADD COLUMN order_id integer REFERENCES orders(id)`);
    await q.query(`UPDATE reservations SET order_id = id`);
    await q.query(`ALTER TABLE reservations ALTER COLUMN order_id SET NOT NULL`);
    await q.query(`CREATE INDEX reservations_order_idx ON reservations (order_id)`);

    await q.query(`ALTER TABLE payment_transactions ADD COLUMN order_id integer REFERENCES orders(id)`);
    await q.query(
      `UPDATE payment_transactions SET order_id = reservation_id WHERE reservation_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX payment_transactions_order_idx ON payment_transactions (order_id, id)`);
    await q.query(`
      CREATE UNIQUE INDEX payment_transactions_one_live_order_payment
        ON payment_transactions (order_id) WHERE type = 'PAYMENT' AND status IN ('PENDING', 'SUCCESS')`);
    // A charge belongs to no order; a payment or refund always does (an order-wide PAYMENT has no item).
    await q.query(`ALTER TABLE payment_transactions DROP CONSTRAINT payment_transactions_check`);
    await q.query(`
      ALTER TABLE payment_transactions ADD CONSTRAINT payment_transactions_order_check
        CHECK ((type = 'CHARGE') = (order_id IS NULL) AND (type <> 'CHARGE' OR reservation_id IS NULL))`);

    await q.query(`ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check`);
    await q.query(`ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check
                     CHECK (event_type IN ('RESERVATION_STATUS', 'SEAT_STATUS', 'HOLD_EXPIRING', 'ORDER_STATUS'))`);

    await q.query(`
      CREATE FUNCTION reservations_order_of_one() RETURNS trigger AS $$
      BEGIN
        INSERT INTO orders (user_id, concert_id, option_id, status, seat_count, total_amount, adjacent,
                            hold_expires_at, created_at, updated_at)
        VALUES (NEW.user_id, NEW.concert_id, NEW.option_id, NEW.status, 1, NEW.amount, true,
                NEW.hold_expires_at, NEW.reserved_at, NEW.updated_at)
        RETURNING id INTO NEW.order_id;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await q.query(`
      CREATE TRIGGER reservations_order_of_one BEFORE INSERT ON reservations
        FOR EACH ROW WHEN (NEW.order_id IS NULL) EXECUTE FUNCTION reservations_order_of_one()`);
    await q.query(`
      CREATE FUNCTION payment_transactions_order_of_item() RETURNS trigger AS $$
      BEGIN
        NEW.order_id := (SELECT order_id FROM reservations WHERE id = NEW.reservation_id);
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await q.query(`
      CREATE TRIGGER payment_transactions_order_of_item BEFORE INSERT ON payment_transactions
        FOR EACH ROW WHEN (NEW.order_id IS NULL AND NEW.reservation_id IS NOT NULL)
        EXECUTE FUNCTION payment_transactions_order_of_item()`);
    await q.query(ORDER_FOLLOWS_ITEMS_FUNCTION);
    await q.query(`
      CREATE TRIGGER reservations_order_follows_items AFTER UPDATE ON reservations
        REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items
        FOR EACH STATEMENT EXECUTE FUNCTION reservations_order_follows_items()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await refuseRevertWhileDataExists(q, this.name, [
      {
        what: 'orders of two or more seats (the previous schema cannot keep them together)',
        count: `SELECT count(*) AS n FROM orders WHERE seat_count > 1`,
      },
      {
        what: 'ORDER_STATUS outbox rows (pruned with the outbox retention, 2 h after they are published)',
        count: `SELECT count(*) AS n FROM outbox_events WHERE event_type = 'ORDER_STATUS'`,
      },
    ]);
    await q.query(`DROP TRIGGER reservations_order_follows_items ON reservations`);
    await q.query(`DROP FUNCTION reservations_order_follows_items()`);
    await q.query(`DROP TRIGGER payment_transactions_order_of_item ON payment_transactions`);
    await q.query(`DROP FUNCTION payment_transactions_order_of_item()`);
    await q.query(`DROP TRIGGER reservations_order_of_one ON reservations`);
    await q.query(`DROP FUNCTION reservations_order_of_one()`);
    await q.query(`ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check`);
    await q.query(`ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check
                     CHECK (event_type IN ('RESERVATION_STATUS', 'SEAT_STATUS', 'HOLD_EXPIRING'))`);
    // Orders of one only (checked above): every PAYMENT and REFUND row names its reservation again.
    await q.query(`
      UPDATE payment_transactions pt SET reservation_id = r.id
        FROM reservations r WHERE r.order_id = pt.order_id AND pt.reservation_id IS NULL`);
    await q.query(`ALTER TABLE payment_transactions DROP CONSTRAINT payment_transactions_order_check`);
    await q.query(`ALTER TABLE payment_transactions ADD CONSTRAINT payment_transactions_check
                     CHECK ((type = 'CHARGE') = (reservation_id IS NULL))`);
    await q.query(`DROP INDEX payment_transactions_one_live_order_payment`);
    await q.query(`DROP INDEX payment_transactions_order_idx`);
    await q.query(`ALTER TABLE payment_transactions DROP COLUMN order_id`);
    await q.query(`DROP INDEX reservations_order_idx`);
    await q.query(`ALTER TABLE reservations DROP COLUMN order_id`);
    await q.query(`DROP TABLE orders`);
  }
}

/**
 * An order's status from its items' (the items of one order move together, except refunds, which go per
 * item): every item CONFIRMED → CONFIRMED; CONFIRMED and REFUNDED items → PARTIALLY_REFUNDED; every item
 * REFUNDED, EXPIRED or CANCELLED → that status; live items with one PAYING → PAYING; all HOLD → HOLD.
 * Any other mix (an item ended while others live, which no code path does) leaves the order as it was.
 * When an order moved, its ORDER_STATUS row goes to the outbox in the same transaction (the contract's
 * payload; the relay adds eventId). A statement-level trigger with transition tables: an expiry batch of
 * a thousand holds costs one set-based pass here, not a thousand, and an order whose items move in one
 * statement moves once.
 */
const ORDER_FOLLOWS_ITEMS_FUNCTION = `
  CREATE FUNCTION reservations_order_follows_items() RETURNS trigger AS $$
  BEGIN
    WITH moved AS (
      SELECT n.order_id, max(n.updated_at) AS at FROM new_items n JOIN old_items o ON o.id = n.id
       WHERE n.status IS DISTINCT FROM o.status GROUP BY n.order_id
    ), counts AS (
      SELECT r.order_id, moved.at, count(*) AS total,
             count(*) FILTER (WHERE r.status = 'HOLD') AS hold,
             count(*) FILTER (WHERE r.status = 'PAYING') AS paying,
             count(*) FILTER (WHERE r.status = 'CONFIRMED') AS confirmed,
             count(*) FILTER (WHERE r.status = 'REFUNDED') AS refunded,
             count(*) FILTER (WHERE r.status = 'EXPIRED') AS expired,
             count(*) FILTER (WHERE r.status = 'CANCELLED') AS cancelled
        FROM reservations r JOIN moved ON moved.order_id = r.order_id GROUP BY r.order_id, moved.at
    ), derived AS (
      SELECT order_id, at, CASE
               WHEN confirmed = total THEN 'CONFIRMED'
               WHEN refunded = total THEN 'REFUNDED'
               WHEN confirmed > 0 AND confirmed + refunded = total THEN 'PARTIALLY_REFUNDED'
               WHEN expired = total THEN 'EXPIRED'
               WHEN cancelled = total THEN 'CANCELLED'
               WHEN paying > 0 AND hold + paying = total THEN 'PAYING'
               WHEN hold = total THEN 'HOLD'
             END AS next_status
        FROM counts
    ), o AS (
      UPDATE orders SET status = d.next_status, updated_at = d.at,
             confirmed_at = CASE WHEN d.next_status = 'CONFIRMED' THEN coalesce(orders.confirmed_at, d.at)
                                 ELSE orders.confirmed_at END,
             expired_at = CASE WHEN d.next_status = 'EXPIRED' THEN d.at ELSE orders.expired_at END,
             cancelled_at = CASE WHEN d.next_status = 'CANCELLED' THEN d.at ELSE orders.cancelled_at END
        FROM derived d
       WHERE orders.id = d.order_id AND d.next_status IS NOT NULL AND orders.status <> d.next_status
      RETURNING orders.*
    )
    INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload)
    SELECT 'ORDER_STATUS', 'order:' || o.id, o.user_id, o.option_id, jsonb_build_object(
             'orderId', o.id, 'userId', o.user_id, 'optionId', o.option_id, 'status', o.status,
             'totalAmount', o.total_amount, 'refundedAmount', i.refunded,
             'holdExpiresAt', iso_utc(o.hold_expires_at), 'reason', o.cancel_reason, 'items', i.items,
             'occurredAt', iso_utc(o.updated_at))
      FROM o CROSS JOIN LATERAL (
        SELECT coalesce(sum(r.amount) FILTER (WHERE r.status = 'REFUNDED'), 0) AS refunded,
               jsonb_agg(jsonb_build_object('reservationId', r.id, 'seatId', r.seat_id, 'status', r.status)
                         ORDER BY r.id) AS items
          FROM reservations r WHERE r.order_id = o.id) i
     ORDER BY o.id;
    RETURN NULL;
  END $$ LANGUAGE plpgsql`;
