import { Acquired, EndedLock, LockRequest, Released, SeatLockStore } from './seat-lock-store';
import { SelectingSpan, selectingBudgetEnd, startNewSpan } from './selecting-budget';

interface Lock {
  owner: number;
  optionId: number;
  first: number;
  /** When this lock (not the owner's cap) began: the start of its SELECTING span. */
  since: number;
  expires: number;
}

/** Without REDIS_URL: the same rules as RedisSeatLockStore, in this process (one instance). */
export class InProcessSeatLockStore implements SeatLockStore {
  private readonly locks = new Map<number, Lock>();
  /** `${seatId}:${userId}` → the first acquisition, remembered until first + 2 × max. */
  private readonly caps = new Map<string, { first: number; until: number }>();
  /** seatId → its SELECTING spans, each kept for 2 × max after it ends (the budget's window). */
  private readonly spans = new Map<number, { list: SelectingSpan[]; keepUntil: number }>();

  async acquire(r: LockRequest): Promise<Acquired> {
    const current = this.live(r.seatId, r.nowMs);
    if (current && current.owner !== r.userId) return { outcome: 'BEING_SELECTED' };
    const capKey = `${r.seatId}:${r.userId}`;
    const cap = this.caps.get(capKey);
    const first = current?.first ?? (cap && cap.until > r.nowMs ? cap.first : r.nowMs);
    const spans = this.recentSpans(r.seatId, r.nowMs - 2 * r.maxMs);
    const since = current?.since ?? startNewSpan(spans, r.nowMs);
    const expires = selectingBudgetEnd(spans, r.nowMs, Math.min(r.nowMs + r.ttlMs, first + r.maxMs), r.maxMs);
    if (expires <= r.nowMs) return { outcome: 'LOCK_EXPIRED' };
    if (!current && this.liveCount(r.userId, r.nowMs) >= r.maxPerUser) return { outcome: 'LIMIT_REACHED' };
    this.locks.set(r.seatId, { owner: r.userId, optionId: r.optionId, first, since, expires });
    if (first === r.nowMs) this.caps.set(capKey, { first, until: first + 2 * r.maxMs });
    const mine = spans.find((s) => s.start === since);
    if (mine) mine.end = expires;
    else spans.push({ start: since, end: expires });
    this.spans.set(r.seatId, { list: spans, keepUntil: expires + 2 * r.maxMs });
    return { outcome: current ? 'REFRESHED' : 'ACQUIRED', expiresAtMs: expires };
  }

  async release(seatId: number, _optionId: number, userId: number, nowMs: number): Promise<Released> {
    const lock = this.live(seatId, nowMs);
    if (!lock) return 'NONE';
    if (lock.owner !== userId) return 'OTHERS';
    this.locks.delete(seatId);
    const span = this.spans.get(seatId)?.list.find((s) => s.start === lock.since);
    if (span) span.end = Math.min(span.end, nowMs);
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
    for (const [seatId, seat] of this.spans) if (seat.keepUntil <= nowMs) this.spans.delete(seatId);
    return ended;
  }

  private live(seatId: number, nowMs: number): Lock | undefined {
    const lock = this.locks.get(seatId);
    return lock && lock.expires > nowMs ? lock : undefined;
  }

  private liveCount(userId: number, nowMs: number): number {
    let count = 0;
    for (const lock of this.locks.values()) if (lock.owner === userId && lock.expires > nowMs) count++;
    return count;
  }

  /** Copies of the seat's spans that end after `from` (older ones can no longer count), oldest first. */
  private recentSpans(seatId: number, from: number): SelectingSpan[] {
    return (this.spans.get(seatId)?.list ?? []).filter((s) => s.end > from).map((s) => ({ ...s }));
  }
}
