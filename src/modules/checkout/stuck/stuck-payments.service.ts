import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, CLOCK } from '../../../common/clock';
import { PeriodicJob } from '../../../common/periodic-job';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { StuckPaymentsRepository } from './stuck-payments.repository';

/** How often the stuck-payments gauge is refreshed when nobody asks for the list. */
const REFRESH_INTERVAL_MS = 30_000;
export const STUCK_LIST_MAX = 500;

/**
 * Payments an operator must look at, for GET /api/admin/payments/pending and the
 * checkout_stuck_pending_payments gauge (so an alert, not a log search, finds them).
 */
@Injectable()
export class StuckPaymentsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly job: PeriodicJob;

  constructor(
    private readonly repository: StuckPaymentsRepository,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.job = new PeriodicJob(
      {
        name: 'stuck-payments-gauge',
        intervalMs: REFRESH_INTERVAL_MS,
        jitter: 0.1,
        run: () => this.refreshGauge(),
      },
      metrics.jobDuration,
    );
  }

  onApplicationBootstrap(): void {
    this.job.start(REFRESH_INTERVAL_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  async list(limit = 100) {
    const rows = await this.repository.list(this.clock.now(), Math.min(Math.max(1, limit), STUCK_LIST_MAX));
    await this.job.runNow();
    return rows;
  }

  private async refreshGauge(): Promise<void> {
    this.metrics.stuckPayments.set(await this.repository.countPending(this.clock.now()));
  }
}
