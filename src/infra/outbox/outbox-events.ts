/** The realtime payloads of the contract. `eventId` is the outbox row id, added when published. */
export interface ReservationStatusPayload {
  reservationId: number;
  userId: number;
  seatId: number;
  optionId: number;
  status: string;
  paymentStatus: string | null;
  holdExpiresAt: string;
  occurredAt: string;
}

export interface SeatStatusPayload {
  optionId: number;
  seatId: number;
  status: string;
  occurredAt: string;
}

export type OutboxEventType = 'RESERVATION_STATUS' | 'SEAT_STATUS';

/** A published event as every transport carries it. */
export type PushEvent =
  | ({ type: 'RESERVATION_STATUS'; eventId: number } & ReservationStatusPayload)
  | ({ type: 'SEAT_STATUS'; eventId: number } & SeatStatusPayload);

/**
 * SQL that writes both events of a reservation change (its RESERVATION_STATUS and its seat's SEAT_STATUS)
 * for every row of the CTE `source`, which must expose id, user_id, seat_id, option_id, status,
 * hold_expires_at. `$now` is the parameter holding the change time; `seatStatus` an SQL expression
 * (NULL to skip the seat event, for changes that do not move the seat).
 * Used inside the same statement as the change itself, so the events commit (or roll back) with it.
 */
export function insertReservationEventsSql(source: string, now: string, seatStatus: string | null): string {
  const reservationEvent = `
    SELECT 'RESERVATION_STATUS', src.id::text, src.user_id, src.option_id,
           jsonb_build_object(
             'reservationId', src.id, 'userId', src.user_id, 'seatId', src.seat_id, 'optionId', src.option_id,
             'status', src.status,
             'paymentStatus', (SELECT pt.status FROM payment_transactions pt
                                WHERE pt.reservation_id = src.id AND pt.type = 'PAYMENT'
                                ORDER BY pt.id DESC LIMIT 1),
             'holdExpiresAt', iso_utc(src.hold_expires_at), 'occurredAt', iso_utc(${now}))
      FROM ${source} src`;
  const seatEvent = `
    SELECT 'SEAT_STATUS', src.option_id || ':' || src.seat_id, NULL::integer, src.option_id,
           jsonb_build_object('optionId', src.option_id, 'seatId', src.seat_id, 'status', ${seatStatus},
                              'occurredAt', iso_utc(${now}))
      FROM ${source} src`;
  return `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload)
          ${reservationEvent}${seatStatus ? ` UNION ALL ${seatEvent}` : ''}`;
}
