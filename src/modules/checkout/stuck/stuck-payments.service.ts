import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, CLOCK } from '../../../common/clock';
import { PeriodicJob } from '../../../common/periodic-job';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { RECONCILE_GRACE_MS } from '../reconcile/payment-reconciler.service';
import { StuckPayment, StuckPaymentsRepository } from './stuck-payments.repository';

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
    const now = this.clock.now();
    const rows = await this.repository.list(now, Math.min(Math.max(1, limit), STUCK_LIST_MAX));
    await this.job.runNow();
    return rows.map((row) => ({ ...row, nextStep: nextStep(row, now) }));
  }

  private async refreshGauge(): Promise<void> {
    this.metrics.stuckPayments.set(await this.repository.countPending(this.clock.now()));
  }
}

/** What happens to a stuck payment without an operator (PaymentReconciler, the webhook), in words. */
export function nextStep(row: StuckPayment, now: Date): string {
  const due = new Date(row.createdAt.getTime() + RECONCILE_GRACE_MS);
  const when = due > now ? `from ${due.toISOString()}` : 'on its next pass (every 30 s)';
  if (row.reason === 'PAID_WITHOUT_TICKET') {
    return `The reconciler refunds it ${when}; if the refund keeps failing, refund it by hand.`;
  }
  if (row.paymentProvider === 'pg-ready') {
    return 'Waits for the PG webhook: APPROVED is refunded at once (AUTO_REFUNDED), FAILED closes it. Ask the PG if none comes.';
  }
  return `The reconciler asks the gateway ${when}: captured money is refunded, otherwise the attempt is closed FAILED.`;
}
