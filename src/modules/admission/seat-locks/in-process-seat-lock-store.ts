import { Acquired, EndedLock, LockRequest, Released, SeatLockStore } from './seat-lock-store';

interface Lock {
  owner: number;
  optionId: number;
  first: number;
  expires: number;
}

/** Without REDIS_URL: the same rules as RedisSeatLockStore, in this process (one instance). */
export class InProcessSeatLockStore implements SeatLockStore {
  private readonly locks = new Map<number, Lock>();
  /** `${seatId}:${userId}` → the first acquisition, remembered until first + 2 × max. */
  private readonly caps = new Map<string, { first: number; until: number }>();

  async acquire(r: LockRequest): Promise<Acquired> {
    const current = this.live(r.seatId, r.nowMs);
    if (current && current.owner !== r.userId) return { outcome: 'BEING_SELECTED' };
    const capKey = `${r.seatId}:${r.userId}`;
    const cap = this.caps.get(capKey);
    const first = current?.first ?? (cap && cap.until > r.nowMs ? cap.first : r.nowMs);
    const expires = Math.min(r.nowMs + r.ttlMs, first + r.maxMs);
    if (expires <= r.nowMs) return { outcome: 'LOCK_EXPIRED' };
    this.locks.set(r.seatId, { owner: r.userId, optionId: r.optionId, first, expires });
    if (first === r.nowMs) this.caps.set(capKey, { first, until: first + 2 * r.maxMs });
    return { outcome: current ? 'REFRESHED' : 'ACQUIRED', expiresAtMs: expires };
  }

  async release(seatId: number, _optionId: number, userId: number, nowMs: number): Promise<Released> {
    const lock = this.live(seatId, nowMs);
    if (!lock) return 'NONE';
    if (lock.owner !== userId) return 'OTHERS';
    this.locks.delete(seatId);
    return 'RELEASED';
  }

  async ownerOf(seatId: number, nowMs: number): Promise<number | undefined> {
    return this.live(seatId, nowMs)?.owner;
  }

  async lockedSeats(optionId: number, nowMs: number): Promise<Set<number>> {
    const seats = new Set<number>();
    for (const [seatId, lock] of this.locks)
      if (lock.optionId === optionId && lock.expires > nowMs) seats.add(seatId);
    return seats;
  }

  async claimEnded(nowMs: number, limit: number): Promise<EndedLock[]> {
    const ended: EndedLock[] = [];
    for (const [seatId, lock] of this.locks) {
      if (ended.length >= limit) break;
      if (lock.expires > nowMs) continue;
      this.locks.delete(seatId);
      ended.push({ seatId, optionId: lock.optionId });
    }
    for (const [key, cap] of this.caps) if (cap.until <= nowMs) this.caps.delete(key);
    return ended;
  }

  private live(seatId: number, nowMs: number): Lock | undefined {
    const lock = this.locks.get(seatId);
    return lock && lock.expires > nowMs ? lock : undefined;
  }
}
