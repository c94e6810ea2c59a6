import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PaymentReconciler } from './payment-reconciler.service';

const INTERVAL_MS = 30_000;

/**
 * Runs the reconciler once at start-up (what the previous process of this or another instance left) and
 * every 30 s after, on every instance; the reconciler's leases and conditional writes share the work.
 * Start-up does not wait for it: the port opens at once.
 */
@Injectable()
export class ReconcileScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcileScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly reconciler: PaymentReconciler) {}

  onApplicationBootstrap(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass unless one is already running; the promise settles when that pass is over. */
  tick(): Promise<void> {
    this.running ??= (async () => {
      try {
        const report = await this.reconciler.runOnce();
        if (Object.values(report).some((n) => n > 0)) this.logger.warn({ report }, 'payments reconciled');
      } catch (err) {
        // Database away, for instance: the next pass tries again.
        this.logger.warn({ err: String(err) }, 'payment reconciliation failed; will retry');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
