/** A time a seat was SELECTING, [start, end) in ms (end is the lock's expiry, or its release). */
export interface SelectingSpan {
  start: number;
  end: number;
}

/**
 * A lock taken less than this after the seat's last span ended continues that span, the gap counted as
 * SELECTING: the seat keeps at most one span per this gap in its window (2 × SEAT_LOCK_MAX_SECONDS /
 * 1 s), so a crowd cycling locks on one seat cannot make the budget's arithmetic grow without bound.
 */
export const SPAN_MERGE_GAP_MS = 1000;

/**
 * Where a new lock's span starts: at `now`, or at the start of the seat's latest span if that ended
 * less than SPAN_MERGE_GAP_MS ago (whose end then moves to `now`). `spans` is oldest first.
 */
export function startNewSpan(spans: SelectingSpan[], now: number): number {
  const last = spans[spans.length - 1];
  if (!last || last.end < now - SPAN_MERGE_GAP_MS) return now;
  last.end = now;
  return last.start;
}

/**
 * The seat's SELECTING budget: whoever holds it, a seat is SELECTING at most `maxMs` out of any window
 * of 2 × `maxMs`. Returns the latest end (at most `upper`) for a lock that runs from `now`, given the
 * seat's earlier spans (the owner's own live lock among them when refreshing: it counts up to `now`).
 * A result ≤ `now` means the budget is spent.
 *
 * The time used in the window ending at `end` grows with `end` (the new lock adds a millisecond for each
 * one the window's start drops at most), so the window ending at the lock's end is the one that binds
 * and the latest allowed end is found by bisection in whole milliseconds. The Lua twin of this function
 * is in redis-seat-lock-store.ts: change both together.
 */
export function selectingBudgetEnd(
  spans: readonly SelectingSpan[],
  now: number,
  upper: number,
  maxMs: number,
): number {
  const usedUpTo = (end: number) => {
    const from = end - 2 * maxMs;
    let used = end - now;
    for (const span of spans) {
      const overlap = Math.min(span.end, now) - Math.max(span.start, from);
      if (overlap > 0) used += overlap;
    }
    return used;
  };
  if (upper <= now || usedUpTo(upper) <= maxMs) return upper;
  let [ok, tooLate] = [now, upper];
  while (tooLate - ok > 1) {
    const mid = Math.floor((ok + tooLate) / 2);
    if (usedUpTo(mid) <= maxMs) ok = mid;
    else tooLate = mid;
  }
  return ok;
}
