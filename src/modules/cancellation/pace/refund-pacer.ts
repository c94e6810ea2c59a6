/** The pacer of show-cancellation refunds: bound once at boot (Redis when REDIS_URL is set, else in process). */
export const REFUND_PACER = Symbol('REFUND_PACER');

/**
 * At most `perSecond` gateway refund calls in any one-second window, over every instance that shares the
 * pacer. A sliding-window log rather than a token bucket: a bucket of capacity C refilled at r/s lets
 * C + r calls through in one second, so it cannot keep "at most r in any one-second window" for any C ≥ 1.
 */
export interface RefundPacer {
  /** Takes one call's permit now and answers 0, or answers how many ms to wait before asking again. */
  tryTake(): Promise<number>;
}

/** Waits until the pacer grants one permit (never calls the gateway before it has one). */
export async function acquirePermit(pacer: RefundPacer, sleep = defaultSleep): Promise<void> {
  for (;;) {
    const waitMs = await pacer.tryTake();
    if (waitMs <= 0) return;
    await sleep(waitMs);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One instance's window (no REDIS_URL: a single-instance deployment). `now` is the clock seam, so the
 * window's edges are unit-tested exactly.
 */
export class InProcessRefundPacer implements RefundPacer {
  /** Grant times (ms) within the last second, oldest first. */
  private readonly granted: number[] = [];

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {}

  async tryTake(): Promise<number> {
    return this.takeAt(this.now());
  }

  /** The window is (now − 1000, now]: a grant made exactly 1000 ms ago no longer counts. */
  takeAt(now: number): number {
    while (this.granted.length > 0 && this.granted[0] <= now - 1000) this.granted.shift();
    if (this.granted.length < this.perSecond) {
      this.granted.push(now);
      return 0;
    }
    return Math.max(1, this.granted[this.granted.length - this.perSecond] + 1000 - now);
  }
}
