import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HoldExpiryService } from './hold-expiry.service';

const SWEEP_INTERVAL_MS = 5000;
const SWEEP_BATCH = 1000;
/** The queue expires a hold within ~1 s of its deadline; the sweeper takes only what it clearly missed. */
const SWEEP_GRACE_MS = 1000;

/**
 * The safety net: PostgreSQL is the truth, so every few seconds each instance expires due holds that no
 * queue signalled (Redis flushed or down, a process died after claiming). SKIP LOCKED lets instances
 * share the work without waiting on each other.
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpirySweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly expiry: HoldExpiryService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweepOnce(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Sweeps until nothing overdue is left (at most 100 batches per call). */
  async sweepOnce(): Promise<number> {
    if (this.running) return 0;
    let total = 0;
    const work = (async () => {
      try {
        for (let round = 0; round < 100; round++) {
          const expired = await this.expiry.sweep(SWEEP_BATCH, SWEEP_GRACE_MS);
          total += expired.length;
          if (expired.length < SWEEP_BATCH) break;
        }
        if (total > 0) this.logger.log(`sweeper expired ${total} hold(s) the queue had missed`);
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'sweep failed; will retry');
      }
    })();
    this.running = work;
    await work;
    this.running = undefined;
    return total;
  }
}
