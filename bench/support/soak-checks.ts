import { Client } from 'pg';
import { SEAT_EVENT_ID_OFFSET } from '../../src/infra/outbox/outbox-events';
import { TestSocket } from '../../support/realtime-clients';

export interface EventCheck {
  expected: number;
  missing: number;
  duplicates: number;
}

/**
 * Every outbox event a connected client was entitled to reached it: each user's socket got all of that
 * user's RESERVATION_STATUS rows, the seat subscriber the seat event of every row of the option that
 * moved a seat. Duplicates (at-least-once delivery) are counted, not failed: clients drop them by eventId.
 */
export async function missingEvents(
  db: Client,
  users: { id: number; socket: TestSocket }[],
  seats: { optionId: number; socket: TestSocket },
): Promise<EventCheck> {
  const check: EventCheck = { expected: 0, missing: 0, duplicates: 0 };
  const compare = (expected: number[], socket: TestSocket) => {
    const got = socket.inbox.events.map((e) => Number(e.data.eventId));
    const seen = new Set(got);
    check.expected += expected.length;
    check.missing += expected.filter((id) => !seen.has(id)).length;
    check.duplicates += got.length - seen.size;
  };
  for (const u of users) {
    const rows = await db.query<{ id: string }>(
      `SELECT id FROM outbox_events WHERE event_type = 'RESERVATION_STATUS' AND user_id = $1`,
      [u.id],
    );
    compare(
      rows.rows.map((r) => Number(r.id)),
      u.socket,
    );
  }
  // A seat event's id is its row's id + SEAT_EVENT_ID_OFFSET (one outbox row per reservation change).
  const seatRows = await db.query<{ id: string }>(
    `SELECT id + $2 AS id FROM outbox_events WHERE seat_status IS NOT NULL AND option_id = $1`,
    [seats.optionId, SEAT_EVENT_ID_OFFSET],
  );
  compare(
    seatRows.rows.map((r) => Number(r.id)),
    seats.socket,
  );
  return check;
}

/** Final reservation statuses and ledger rows, for the report. */
export async function outcomeCounts(db: Client): Promise<Record<string, number>> {
  const rows = await db.query<{ k: string; n: number }>(
    `SELECT 'reservation ' || status AS k, count(*)::int AS n FROM reservations GROUP BY 1
     UNION ALL
     SELECT 'ledger ' || type || ' ' || status, count(*)::int FROM payment_transactions GROUP BY 1
     ORDER BY 1`,
  );
  return Object.fromEntries(rows.rows.map((r) => [r.k, r.n]));
}
