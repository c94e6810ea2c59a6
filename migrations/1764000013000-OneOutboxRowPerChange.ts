import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One outbox row per reservation change instead of two. The RESERVATION_STATUS row now also carries the
 * seat's new status (`seat_status`, NULL when the seat did not change) and the relay publishes the
 * SEAT_STATUS event from it. A second row per change was about a quarter of the expiry statement's cost
 * (bench/RESULTS.md).
 * - Ids step by 2, so a row's seat event takes eventId = id + 1: every pushed event keeps an id of its
 *   own (a client may receive both kinds on one socket and drop duplicates by eventId).
 * - The row's partition key is the seat (`optionId:seatId`), which orders both the seat's events across
 *   reservations and the reservation's own events (a reservation never changes seat).
 * - SEAT_STATUS rows written before this migration are still published as they are.
 */
export class OneOutboxRowPerChange1764000013000 implements MigrationInterface {
  name = 'OneOutboxRowPerChange1764000013000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE outbox_events ADD COLUMN seat_status varchar(16)
         CHECK (seat_status IN ('AVAILABLE', 'TEMP_RESERVED', 'RESERVED'))`,
    );
    await q.query(`ALTER SEQUENCE ${await sequenceOf(q)} INCREMENT BY 2`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER SEQUENCE ${await sequenceOf(q)} INCREMENT BY 1`);
    // Unpublished combined rows would lose their seat event: write it as a row of its own first.
    await q.query(
      `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload)
       SELECT 'SEAT_STATUS', partition_key, NULL, option_id,
              jsonb_build_object('optionId', payload->'optionId', 'seatId', payload->'seatId',
                                 'status', seat_status, 'occurredAt', payload->'occurredAt')
         FROM outbox_events WHERE seat_status IS NOT NULL AND published_at IS NULL ORDER BY id`,
    );
    await q.query(`ALTER TABLE outbox_events DROP COLUMN seat_status`);
  }
}

async function sequenceOf(q: QueryRunner): Promise<string> {
  const [{ name }] = (await q.query(`SELECT pg_get_serial_sequence('outbox_events', 'id') AS name`)) as {
    name: string;
  }[];
  return name;
}
