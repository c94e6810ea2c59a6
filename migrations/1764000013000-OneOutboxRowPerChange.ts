import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Release class: CONTRACT. Rows the new code writes have no payload, which the previous release's relay
 * cannot publish: every instance of the previous release must be gone before this runs.
 *
 * One outbox row per reservation change, in columns instead of a JSON payload. Per hold, the expiry
 * statement wrote two rows and built two jsonb payloads; the second row and the payloads were over a
 * third of its cost (bench/RESULTS.md). Now:
 * - the RESERVATION_STATUS row holds the change in columns (reservation_id, seat_id, status,
 *   payment_status, hold_expires_at, occurred_at; user_id and option_id as before) and the relay builds
 *   the payload when it publishes;
 * - `seat_status` is the seat's new status (NULL when the seat did not change), from which the relay
 *   also publishes the SEAT_STATUS event;
 * - ids step by 2, so a row's seat event takes eventId = id + 1: every pushed event keeps an id of its
 *   own (a client may receive both kinds on one socket and drop duplicates by eventId);
 * - the row's partition key is the seat (`optionId:seatId`), which orders the seat's events across
 *   reservations and the reservation's own events (a reservation never changes seat).
 * Rows written before this migration (a payload, and SEAT_STATUS rows of their own) publish as before.
 */
export class OneOutboxRowPerChange1764000013000 implements MigrationInterface {
  name = 'OneOutboxRowPerChange1764000013000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbox_events
        ADD COLUMN reservation_id integer,
        ADD COLUMN seat_id integer,
        ADD COLUMN status varchar(16),
        ADD COLUMN payment_status varchar(16),
        ADD COLUMN hold_expires_at timestamptz,
        ADD COLUMN occurred_at timestamptz,
        ADD COLUMN seat_status varchar(16) CHECK (seat_status IN ('AVAILABLE', 'TEMP_RESERVED', 'RESERVED')),
        ALTER COLUMN payload DROP NOT NULL,
        ADD CONSTRAINT outbox_events_payload_or_change CHECK (
          payload IS NOT NULL OR (event_type = 'RESERVATION_STATUS' AND reservation_id IS NOT NULL
            AND seat_id IS NOT NULL AND status IS NOT NULL AND hold_expires_at IS NOT NULL
            AND occurred_at IS NOT NULL))`);
    await q.query(`ALTER SEQUENCE ${await sequenceOf(q)} INCREMENT BY 2`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER SEQUENCE ${await sequenceOf(q)} INCREMENT BY 1`);
    await q.query(
      `UPDATE outbox_events SET payload = jsonb_build_object(
         'reservationId', reservation_id, 'userId', user_id, 'seatId', seat_id, 'optionId', option_id,
         'status', status, 'paymentStatus', payment_status, 'holdExpiresAt', iso_utc(hold_expires_at),
         'occurredAt', iso_utc(occurred_at))
       WHERE payload IS NULL`,
    );
    // Unpublished changes would lose their seat event: write it as a row of its own first.
    await q.query(
      `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload)
       SELECT 'SEAT_STATUS', partition_key, NULL, option_id,
              jsonb_build_object('optionId', payload->'optionId', 'seatId', payload->'seatId',
                                 'status', seat_status, 'occurredAt', payload->'occurredAt')
         FROM outbox_events WHERE seat_status IS NOT NULL AND published_at IS NULL ORDER BY id`,
    );
    await q.query(`
      ALTER TABLE outbox_events
        DROP CONSTRAINT outbox_events_payload_or_change,
        ALTER COLUMN payload SET NOT NULL,
        DROP COLUMN seat_status, DROP COLUMN occurred_at, DROP COLUMN hold_expires_at,
        DROP COLUMN payment_status, DROP COLUMN status, DROP COLUMN seat_id, DROP COLUMN reservation_id`);
  }
}

async function sequenceOf(q: QueryRunner): Promise<string> {
  const [{ name }] = (await q.query(`SELECT pg_get_serial_sequence('outbox_events', 'id') AS name`)) as {
    name: string;
  }[];
  return name;
}
