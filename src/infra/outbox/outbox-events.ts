/** The realtime payloads of the contract. `eventId` comes from the outbox row id, added when published. */
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

/** A hold's deadline is HOLD_EXPIRY_WARNING_SECONDS away (at most one per reservation). */
export interface HoldExpiringPayload {
  reservationId: number;
  orderId: number;
  userId: number;
  seatId: number;
  optionId: number;
  holdExpiresAt: string;
  secondsLeft: number;
}

/**
 * An order's status changed (the contract's ORDER_STATUS). Written by the database trigger that moves an
 * order with its items (migration Orders), as a payload row keyed by the order.
 */
export interface OrderStatusPayload {
  orderId: number;
  userId: number;
  optionId: number;
  status: string;
  totalAmount: number;
  refundedAmount: number;
  holdExpiresAt: string;
  reason: string | null;
  items: { reservationId: number; seatId: number; status: string }[];
  occurredAt: string;
}

/** A show-cancellation run's totals, to admins (at most one a second per run, and once when it ends). */
export interface CancellationProgressPayload {
  runId: number;
  optionId: number;
  status: string;
  totals: { orders: number; refunded: number; failed: number; pending: number; refundedAmount: number };
}

/** A show was cancelled: the CancellationRun as created (for outbound webhooks; not pushed to clients). */
export interface ShowCancelledPayload {
  id: number;
  optionId: number;
  concertId: number;
  [field: string]: unknown;
}

export type OutboxEventType =
  | 'RESERVATION_STATUS'
  | 'SEAT_STATUS'
  | 'HOLD_EXPIRING'
  | 'ORDER_STATUS'
  | 'CANCELLATION_PROGRESS'
  | 'SHOW_CANCELLED';

/**
 * Outbox rows with a second consumer besides the relay: outbound webhooks (modules/webhooks) turn each into
 * messages once (`fanned_out_at`), and the relay keeps such a row until that has happened. The partial index
 * of migration OutboundWebhooks names the same list.
 */
export const FAN_OUT_EVENT_TYPES = ['ORDER_STATUS', 'SHOW_CANCELLED'] as const;
export type FanOutEventType = (typeof FAN_OUT_EVENT_TYPES)[number];

/** A committed outbox row handed to fan-out: its id (the event's id), type, payload and write time. */
export interface FanOutRow {
  id: number;
  eventType: FanOutEventType;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** A published event as every transport carries it. */
export type PushEvent =
  | ({ type: 'RESERVATION_STATUS'; eventId: number } & ReservationStatusPayload)
  | ({ type: 'SEAT_STATUS'; eventId: number } & SeatStatusPayload)
  | ({ type: 'HOLD_EXPIRING'; eventId: number } & HoldExpiringPayload)
  | ({ type: 'ORDER_STATUS'; eventId: number } & OrderStatusPayload)
  | ({ type: 'CANCELLATION_PROGRESS'; eventId: number } & CancellationProgressPayload)
  | ({ type: 'SHOW_CANCELLED'; eventId: number } & ShowCancelledPayload);

/** Events for one user (their socket.io room and reservation SSE stream). */
export const isUserEvent = (
  event: PushEvent,
): event is Extract<PushEvent, { type: 'RESERVATION_STATUS' | 'HOLD_EXPIRING' | 'ORDER_STATUS' }> =>
  event.type === 'RESERVATION_STATUS' || event.type === 'HOLD_EXPIRING' || event.type === 'ORDER_STATUS';

/** Events for an option's seat followers (socket.io option room, seat SSE stream). */
export const isSeatEvent = (event: PushEvent): event is Extract<PushEvent, { type: 'SEAT_STATUS' }> =>
  event.type === 'SEAT_STATUS';

/**
 * A row's SEAT_STATUS event takes the id after the row's: outbox ids step by 2 (migration
 * OneOutboxRowPerChange), so every pushed event has an id of its own.
 */
export const SEAT_EVENT_ID_OFFSET = 1;

/**
 * SQL that records a reservation change in the outbox for every row of the CTE `source` (which must
 * expose id, user_id, seat_id, option_id, status, hold_expires_at): one row, in columns, from which the
 * relay publishes the RESERVATION_STATUS event and, when `seat_status` is set, the seat's SEAT_STATUS.
 * `$now` is the parameter holding the change time; `seatStatus` an SQL expression (NULL for changes that
 * do not move the seat). The row is keyed by seat, which orders the seat's events across reservations
 * as well as the reservation's own. Columns rather than a jsonb payload: building the payload here was
 * a quarter of the expiry statement's cost.
 * Used inside the same statement as the change itself, so the events commit (or roll back) with it.
 */
export function insertReservationEventsSql(source: string, now: string, seatStatus: string | null): string {
  return `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, seat_status,
                                     reservation_id, seat_id, status, payment_status, hold_expires_at, occurred_at)
    SELECT 'RESERVATION_STATUS', src.option_id || ':' || src.seat_id, src.user_id, src.option_id,
           ${seatStatus ?? 'NULL'}, src.id, src.seat_id, src.status,
           (SELECT pt.status FROM payment_transactions pt
             WHERE pt.reservation_id = src.id AND pt.type = 'PAYMENT' ORDER BY pt.id DESC LIMIT 1),
           src.hold_expires_at, ${now}
      FROM ${source} src`;
}
