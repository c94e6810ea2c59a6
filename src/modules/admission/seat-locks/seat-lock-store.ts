/**
 * Where soft locks live: Redis with REDIS_URL (shared by every instance, one Lua script per decision),
 * else this process's memory. A lock has a TTL; its owner may refresh it until SEAT_LOCK_MAX_SECONDS
 * after they first took it. That cap is remembered per seat and user for another SEAT_LOCK_MAX_SECONDS
 * (a cooldown), so letting a lock lapse or releasing it and taking it again does not start a new cap.
 */
export const SEAT_LOCK_STORE = Symbol('SEAT_LOCK_STORE');

export interface LockRequest {
  seatId: number;
  optionId: number;
  userId: number;
  nowMs: number;
  ttlMs: number;
  maxMs: number;
}

export type Acquired =
  | { outcome: 'ACQUIRED'; expiresAtMs: number }
  | { outcome: 'REFRESHED'; expiresAtMs: number }
  | { outcome: 'BEING_SELECTED' }
  | { outcome: 'LOCK_EXPIRED' };

export type Released = 'RELEASED' | 'NONE' | 'OTHERS';

/** A lock whose TTL ran out, as the expiry job claims it (once, whichever instance asks first). */
export interface EndedLock {
  seatId: number;
  optionId: number;
}

export interface SeatLockStore {
  acquire(request: LockRequest): Promise<Acquired>;
  /** Removes the caller's lock (keeping its cap); OTHERS when another user holds it. */
  release(seatId: number, optionId: number, userId: number, nowMs: number): Promise<Released>;
  /** The live lock's owner, if any. */
  ownerOf(seatId: number, nowMs: number): Promise<number | undefined>;
  /** Seats of the option under a live lock. */
  lockedSeats(optionId: number, nowMs: number): Promise<Set<number>>;
  /** Hands out locks that ran out by `nowMs` (and were not refreshed), each to one caller only. */
  claimEnded(nowMs: number, limit: number): Promise<EndedLock[]>;
}
