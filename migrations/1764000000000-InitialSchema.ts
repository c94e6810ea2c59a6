import { MigrationInterface, QueryRunner } from 'typeorm';
import { refuseRevertWhileDataExists } from '../src/database/migration-guard';

/**
 * Release class: EXPAND. The first schema: there is no earlier code to break.
 *
 * The whole checkout schema. The database itself carries the money and seat guarantees:
 * - one active (HOLD/PAYING/CONFIRMED) reservation per seat (partial unique index);
 * - at most one in-flight or successful PAYMENT attempt per reservation, and at most one SUCCESS REFUND;
 * - unique ledger idempotency keys, unique webhook event ids;
 * - check constraints on every status, role and amount.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    // The contract's timestamp format (ISO-8601 UTC with Z), for event payloads built inside SQL.
    await q.query(`
      CREATE FUNCTION iso_utc(ts timestamptz) RETURNS text AS $$
        SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      $$ LANGUAGE sql IMMUTABLE`);
    await q.query(`
      CREATE TABLE users (
        id serial PRIMARY KEY,
        username varchar(40) NOT NULL UNIQUE,
        password_hash varchar(200) NOT NULL,
        role varchar(10) NOT NULL DEFAULT 'USER' CHECK (role IN ('USER', 'ADMIN')),
        wallet_balance_amount bigint NOT NULL DEFAULT 0 CHECK (wallet_balance_amount >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE concerts (
        id serial PRIMARY KEY,
        title varchar(200) NOT NULL,
        artist_name varchar(200),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE concert_options (
        id serial PRIMARY KEY,
        concert_id integer NOT NULL REFERENCES concerts(id),
        concert_date timestamptz NOT NULL,
        ticket_price_amount bigint NOT NULL CHECK (ticket_price_amount >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX concert_options_concert_idx ON concert_options (concert_id)`);
    await q.query(`
      CREATE TABLE seats (
        id serial PRIMARY KEY,
        option_id integer NOT NULL REFERENCES concert_options(id),
        seat_number varchar(20) NOT NULL,
        status varchar(20) NOT NULL DEFAULT 'AVAILABLE'
          CHECK (status IN ('AVAILABLE', 'TEMP_RESERVED', 'RESERVED')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (option_id, seat_number)
      )`);
    await q.query(`CREATE INDEX seats_option_status_idx ON seats (option_id, status)`);
    await q.query(`
      CREATE TABLE reservations (
        id serial PRIMARY KEY,
        user_id integer NOT NULL REFERENCES users(id),
        seat_id integer NOT NULL REFERENCES seats(id),
        option_id integer NOT NULL REFERENCES concert_options(id),
        concert_id integer NOT NULL REFERENCES concerts(id),
        status varchar(20) NOT NULL
          CHECK (status IN ('HOLD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'REFUNDED')),
        amount bigint NOT NULL CHECK (amount >= 0),
        reserved_at timestamptz NOT NULL,
        hold_expires_at timestamptz NOT NULL,
        confirmed_at timestamptz,
        expired_at timestamptz,
        cancelled_at timestamptz,
        refunded_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE UNIQUE INDEX reservations_one_active_per_seat
        ON reservations (seat_id) WHERE status IN ('HOLD', 'PAYING', 'CONFIRMED')`);
    await q.query(`
      CREATE INDEX reservations_live_by_deadline
        ON reservations (hold_expires_at) WHERE status IN ('HOLD', 'PAYING')`);
    await q.query(`CREATE INDEX reservations_user_idx ON reservations (user_id, id DESC)`);
    await q.query(
      `CREATE INDEX reservations_user_option_live_idx ON reservations (user_id, option_id) WHERE status IN ('HOLD', 'PAYING')`,
    );
    await q.query(`
      CREATE TABLE payment_transactions (
        id serial PRIMARY KEY,
        user_id integer NOT NULL REFERENCES users(id),
        reservation_id integer REFERENCES reservations(id),
        type varchar(10) NOT NULL CHECK (type IN ('CHARGE', 'PAYMENT', 'REFUND')),
        status varchar(10) NOT NULL CHECK (status IN ('PENDING', 'SUCCESS', 'FAILED')),
        payment_method varchar(20),
        payment_provider varchar(20) NOT NULL,
        provider_transaction_id varchar(100),
        amount bigint NOT NULL CHECK (amount >= 0),
        balance_after_amount bigint,
        idempotency_key varchar(200) NOT NULL UNIQUE,
        failure_reason varchar(500),
        redirect_url varchar(1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((type = 'CHARGE') = (reservation_id IS NULL)),
        CHECK (type <> 'CHARGE' OR amount > 0)
      )`);
    await q.query(
      `CREATE INDEX payment_transactions_reservation_idx ON payment_transactions (reservation_id, id)`,
    );
    await q.query(`CREATE INDEX payment_transactions_user_idx ON payment_transactions (user_id, id DESC)`);
    // One attempt in flight or settled as paid per reservation: parallel confirms cannot charge twice.
    await q.query(`
      CREATE UNIQUE INDEX payment_transactions_one_live_payment
        ON payment_transactions (reservation_id) WHERE type = 'PAYMENT' AND status IN ('PENDING', 'SUCCESS')`);
    // One refund in flight or done per reservation: a ticket is never refunded twice.
    await q.query(`
      CREATE UNIQUE INDEX payment_transactions_one_refund
        ON payment_transactions (reservation_id) WHERE type = 'REFUND' AND status IN ('PENDING', 'SUCCESS')`);
    // SUCCESS and FAILED are terminal: the database refuses to move a settled ledger row.
    await q.query(`
      CREATE FUNCTION payment_transactions_terminal_guard() RETURNS trigger AS $$
      BEGIN
        IF OLD.status IN ('SUCCESS', 'FAILED') AND NEW.status <> OLD.status THEN
          RAISE EXCEPTION 'payment transaction % is terminal (%)', OLD.id, OLD.status USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await q.query(`
      CREATE TRIGGER payment_transactions_terminal
        BEFORE UPDATE ON payment_transactions
        FOR EACH ROW EXECUTE FUNCTION payment_transactions_terminal_guard()`);
    await q.query(`
      CREATE TABLE admin_refund_audit_logs (
        id serial PRIMARY KEY,
        reservation_id integer,
        target_user_id integer,
        actor_user_id integer NOT NULL,
        actor_role varchar(10) NOT NULL CHECK (actor_role IN ('USER', 'ADMIN')),
        result varchar(10) NOT NULL CHECK (result IN ('SUCCESS', 'DENIED', 'FAILED')),
        reason varchar(500),
        detail_message varchar(1000),
        occurred_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX admin_refund_audit_logs_occurred_idx ON admin_refund_audit_logs (occurred_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE TABLE outbox_events (
        id bigserial PRIMARY KEY,
        event_type varchar(40) NOT NULL CHECK (event_type IN ('RESERVATION_STATUS', 'SEAT_STATUS')),
        partition_key varchar(100) NOT NULL,
        user_id integer,
        option_id integer,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX outbox_events_unpublished_idx ON outbox_events (id) WHERE published_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX outbox_events_user_idx ON outbox_events (user_id, id) WHERE user_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX outbox_events_created_idx ON outbox_events (created_at)`);
    await q.query(`
      CREATE TABLE webhook_inbox (
        id serial PRIMARY KEY,
        provider varchar(20) NOT NULL,
        provider_event_id varchar(200) NOT NULL,
        raw_body text NOT NULL,
        result varchar(30) NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (provider, provider_event_id)
      )`);
    await q.query(`
      CREATE TABLE idempotency_records (
        user_id integer NOT NULL,
        scope varchar(40) NOT NULL,
        idempotency_key varchar(200) NOT NULL,
        request_hash char(64) NOT NULL,
        response_status integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, scope, idempotency_key)
      )`);
  }

  /** Drops every table: refused while any holds a row (only an empty database goes back to nothing). */
  async down(q: QueryRunner): Promise<void> {
    await refuseRevertWhileDataExists(q, this.name, [
      {
        what: 'rows in users, concerts, reservations, payment_transactions, outbox_events or the audit log',
        count: `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM concerts)
                     + (SELECT count(*) FROM reservations) + (SELECT count(*) FROM payment_transactions)
                     + (SELECT count(*) FROM outbox_events) + (SELECT count(*) FROM admin_refund_audit_logs)
                     + (SELECT count(*) FROM webhook_inbox) + (SELECT count(*) FROM idempotency_records) AS n`,
      },
    ]);
    for (const table of [
      'idempotency_records',
      'webhook_inbox',
      'outbox_events',
      'admin_refund_audit_logs',
      'payment_transactions',
      'reservations',
      'seats',
      'concert_options',
      'concerts',
      'users',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    }
    await q.query(`DROP FUNCTION IF EXISTS payment_transactions_terminal_guard()`);
    await q.query(`DROP FUNCTION IF EXISTS iso_utc(timestamptz)`);
  }
}
