/** A time a seat was SELECTING, [start, end) in ms (end is the lock's expiry, or its release). */
export interface SelectingSpan {
  start: number;
  end: number;
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
