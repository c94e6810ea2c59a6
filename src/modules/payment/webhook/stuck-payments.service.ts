import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, CLOCK } from '../../../common/clock';
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
  private readonly logger = new Logger(StuckPaymentsService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: StuckPaymentsRepository,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.refreshGauge(), REFRESH_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async list(limit = 100) {
    const now = this.clock.now();
    const rows = await this.repository.list(now, Math.min(Math.max(1, limit), STUCK_LIST_MAX));
    await this.refreshGauge();
    return rows;
  }

  async refreshGauge(): Promise<number | undefined> {
    try {
      const n = await this.repository.countPending(this.clock.now());
      this.metrics.stuckPayments.set(n);
      return n;
    } catch (err) {
      // A metrics refresh must never take the service down (e.g. during shutdown).
      this.logger.warn({ err: String(err) }, 'could not count stuck payments');
      return undefined;
    }
  }
}
