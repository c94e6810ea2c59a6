/**
 * Where soft locks live: Redis with REDIS_URL (shared by every instance, one Lua script per decision),
 * else this process's memory. A lock has a TTL; its owner may refresh it until SEAT_LOCK_MAX_SECONDS
 * after they first took it. That cap is remembered per seat and user for another SEAT_LOCK_MAX_SECONDS
 * (a cooldown), so letting a lock lapse or releasing it and taking it again does not start a new cap.
 * Two limits no combination of accounts can get round:
 *   - a user holds at most `maxPerUser` live locks (refreshing one's own live lock is not a new one);
 *   - a seat is SELECTING (whoever holds it) at most `maxMs` out of any window of 2 × `maxMs`: every
 *     lock's end is recorded per seat, and a lock ends no later than that budget allows (see
 *     selecting-budget.ts), so accounts taking turns share one budget.
 */
export const SEAT_LOCK_STORE = Symbol('SEAT_LOCK_STORE');

export interface LockRequest {
  seatId: number;
  optionId: number;
  userId: number;
  nowMs: number;
  ttlMs: number;
  maxMs: number;
  /** MAX_SEAT_LOCKS_PER_USER: live locks the user may hold, this one included. */
  maxPerUser: number;
}

export type Acquired =
  | { outcome: 'ACQUIRED'; expiresAtMs: number }
  | { outcome: 'REFRESHED'; expiresAtMs: number }
  | { outcome: 'BEING_SELECTED' }
  | { outcome: 'LOCK_EXPIRED' }
  | { outcome: 'LIMIT_REACHED' };

export type Released = 'RELEASED' | 'NONE' | 'OTHERS';

/** A lock whose TTL ran out, as the expiry job claims it (once, whichever instance asks first). */
export interface EndedLock {
  seatId: number;
  optionId: number;
}

export interface SeatLockStore {
  acquire(request: LockRequest): Promise<Acquired>;
  /** Removes the caller's lock (keeping its cap; its SELECTING time ends now); OTHERS when another user holds it. */
  release(seatId: number, optionId: number, userId: number, nowMs: number): Promise<Released>;
  /** The live lock's owner, if any. */
  ownerOf(seatId: number, nowMs: number): Promise<number | undefined>;
  /** Seats of the option under a live lock. */
  lockedSeats(optionId: number, nowMs: number): Promise<Set<number>>;
  /** Hands out locks that ran out by `nowMs` (and were not refreshed), each to one caller only. */
  claimEnded(nowMs: number, limit: number): Promise<EndedLock[]>;
}
