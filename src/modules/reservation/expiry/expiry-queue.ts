/**
 * Where hold deadlines wait to fire. With REDIS_URL it is a Redis sorted set shared by every instance;
 * without, an in-process timer queue. Either way PostgreSQL stays the truth: the sweeper catches
 * anything a queue lost, and expiring is a conditional update, so a duplicate or late signal is harmless.
 */
export const EXPIRY_QUEUE = Symbol('EXPIRY_QUEUE');

export interface ExpiryQueue {
  /** Remember that `reservationId` is due at `dueAt`. Never throws: failures are logged (the sweeper covers). */
  add(reservationId: number, dueAt: Date): Promise<void>;
  /** Forget it (confirmed or cancelled). Never throws. */
  remove(reservationId: number): Promise<void>;
}
