/** The pacer of show-cancellation refunds: bound once at boot (Redis when REDIS_URL is set, else in process). */
export const REFUND_PACER = Symbol('REFUND_PACER');

/** What one ask of the pacer got: `granted` permits now (0 ≤ granted ≤ asked), and if short, the wait. */
export interface Grant {
  granted: number;
  /** When fewer were granted than asked: ms until the next permit frees up (0 otherwise). */
  waitMs: number;
}

/**
 * At most `perSecond` gateway refund calls in any one-second window, over every instance that shares the
 * pacer. A sliding-window log rather than a token bucket: a bucket of capacity C refilled at r/s lets
 * C + r calls through in one second, so it cannot keep "at most r in any one-second window" for any C ≥ 1.
 */
export interface RefundPacer {
  /** Takes up to `wanted` permits now. */
  tryTake(wanted: number): Promise<Grant>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One instance's callers, served in arrival order. A single loop asks the shared pacer for as many permits
 * as there are callers waiting, in one call, and sleeps the answered wait when short: a batch of calls
 * costs a few round trips to Redis a second, where a poll per caller would cost one per caller per wait.
 * If the pacer cannot be asked (Redis away), the callers waiting then are rejected and call nothing.
 */
export class PermitQueue {
  private readonly waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private pumping = false;

  constructor(
    private readonly pacer: RefundPacer,
    private readonly sleep = defaultSleep,
  ) {}

  /** Resolves once this caller holds one permit. */
  acquire(): Promise<void> {
    const permit = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    void this.pump();
    return permit;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      await Promise.resolve(); // callers arriving in the same tick are asked for together
      while (this.waiting.length > 0) {
        const { granted, waitMs } = await this.pacer.tryTake(this.waiting.length);
        for (const caller of this.waiting.splice(0, granted)) caller.resolve();
        if (this.waiting.length > 0 && waitMs > 0) await this.sleep(waitMs);
      }
    } catch (err) {
      for (const caller of this.waiting.splice(0)) caller.reject(err);
    } finally {
      this.pumping = false;
    }
  }
}

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

  async tryTake(wanted: number): Promise<Grant> {
    return this.takeAt(this.now(), wanted);
  }

  /** The window is (now − 1000, now]: a grant made exactly 1000 ms ago no longer counts. */
  takeAt(now: number, wanted = 1): Grant {
    while (this.granted.length > 0 && this.granted[0] <= now - 1000) this.granted.shift();
    const granted = Math.max(0, Math.min(wanted, this.perSecond - this.granted.length));
    for (let i = 0; i < granted; i++) this.granted.push(now);
    if (granted === wanted) return { granted, waitMs: 0 };
    // The window is full now: the next permit frees up when its oldest grant leaves it.
    return { granted, waitMs: Math.max(1, this.granted[0] + 1000 - now) };
  }
}
