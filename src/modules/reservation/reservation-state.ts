import type { SeatStatus } from '../catalog/catalog.repository';

export type ReservationStatus = 'HOLD' | 'PAYING' | 'CONFIRMED' | 'EXPIRED' | 'CANCELLED' | 'REFUNDED';

/** Reservations whose hold deadline still matters. */
const LIVE_STATUSES: readonly ReservationStatus[] = ['HOLD', 'PAYING'];

/** The seat status each reservation status implies (the invariant the property test checks). */
export const SEAT_STATUS_FOR: Record<ReservationStatus, SeatStatus> = {
  HOLD: 'TEMP_RESERVED',
  PAYING: 'TEMP_RESERVED',
  CONFIRMED: 'RESERVED',
  EXPIRED: 'AVAILABLE',
  CANCELLED: 'AVAILABLE',
  REFUNDED: 'AVAILABLE',
};

export interface Transition {
  from: readonly ReservationStatus[];
  to: ReservationStatus;
  /** The reservation timestamp column set by this transition. */
  stampColumn: 'confirmed_at' | 'expired_at' | 'cancelled_at' | 'refunded_at' | null;
  /** Only while the hold deadline has not passed. */
  requiresLiveHold: boolean;
}

/** The contract's state machine, one entry per event. */
export const TRANSITIONS = {
  paying: { from: ['HOLD'], to: 'PAYING', stampColumn: null, requiresLiveHold: true },
  confirm: { from: ['PAYING'], to: 'CONFIRMED', stampColumn: 'confirmed_at', requiresLiveHold: true },
  expire: { from: ['HOLD', 'PAYING'], to: 'EXPIRED', stampColumn: 'expired_at', requiresLiveHold: false },
  cancel: { from: ['HOLD', 'PAYING'], to: 'CANCELLED', stampColumn: 'cancelled_at', requiresLiveHold: false },
  refund: { from: ['CONFIRMED'], to: 'REFUNDED', stampColumn: 'refunded_at', requiresLiveHold: false },
} as const satisfies Record<string, Transition>;

export type TransitionName = keyof typeof TRANSITIONS;

/** User refunds close REFUND_CUTOFF_HOURS before the show (UTC instants); part of every reservation's view. */
export function refundCutoffAt(concertDate: Date, cutoffHours: number): Date {
  return new Date(concertDate.getTime() - cutoffHours * 3600 * 1000);
}

export function isLive(status: ReservationStatus): boolean {
  return LIVE_STATUSES.includes(status);
}

/** A live hold whose deadline has passed: the backend must expire it, whoever notices first. */
export function isOverdue(r: { status: ReservationStatus; holdExpiresAt: Date }, now: Date): boolean {
  return isLive(r.status) && r.holdExpiresAt.getTime() <= now.getTime();
}
