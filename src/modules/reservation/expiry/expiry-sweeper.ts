import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicJob } from '../../../common/periodic-job';
import { Metrics } from '../../../infra/metrics/metrics.service';
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
  private readonly job: PeriodicJob;
  private lastSwept = 0;

  constructor(
    private readonly expiry: HoldExpiryService,
    metrics: Metrics,
  ) {
    this.job = new PeriodicJob(
      { name: 'expiry-sweeper', intervalMs: SWEEP_INTERVAL_MS, jitter: 0.1, run: () => this.sweep() },
      metrics.jobDuration,
    );
  }

  onApplicationBootstrap(): void {
    this.job.start(SWEEP_INTERVAL_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** One sweep now (or waits for the one in progress); returns how many holds it expired. */
  async sweepOnce(): Promise<number> {
    await this.job.runNow();
    return this.lastSwept;
  }

  /** Sweeps until nothing overdue is left (at most 100 batches per run), then missed warnings. */
  private async sweep(): Promise<void> {
    let total = 0;
    try {
      for (let round = 0; round < 100; round++) {
        const expired = await this.expiry.sweep(SWEEP_BATCH, SWEEP_GRACE_MS);
        total += expired.length;
        if (expired.length < SWEEP_BATCH) break;
      }
    } finally {
      this.lastSwept = total;
    }
    if (total > 0) this.logger.log(`sweeper expired ${total} hold(s) the queue had missed`);
    const warned = await this.expiry.sweepWarnings(SWEEP_BATCH, SWEEP_GRACE_MS);
    if (warned.length > 0) this.logger.log(`sweeper warned ${warned.length} hold(s) the queue had missed`);
  }
}
