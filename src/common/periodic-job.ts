import { Logger } from '@nestjs/common';
import type { Histogram } from 'prom-client';

export interface PeriodicJobOptions {
  /** Names the job in logs and in the duration metric's `job` label. */
  name: string;
  intervalMs: number;
  /** Spread of each wait, as a fraction of it (0.1 = ±10 %), so instances do not run in lock-step. */
  jitter?: number;
  /** Wait after a failed run (default: the interval). */
  failureBackoffMs?: number;
  /** The work. It may return how long to wait before the next run when that should not be the interval. */
  run: () => Promise<number | void>;
}

/**
 * The one way this service runs something periodically (the outbox relay, the expiry sweeper, the payment
 * reconciler, the stuck-payment gauge): runs never overlap, a failed run is logged and retried after a
 * back-off, every run's duration is observed, and `stop()` waits for the run in progress. Timers are
 * unref'd, so a job never keeps the process alive on its own.
 */
export class PeriodicJob {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly options: PeriodicJobOptions,
    private readonly durations: Histogram<'job'>,
  ) {
    this.logger = new Logger(options.name);
  }

  /** Starts the schedule; the first run comes after `firstDelayMs` (default: at once). */
  start(firstDelayMs = 0): void {
    this.stopped = false;
    this.schedule(firstDelayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One run now, unless one is in progress: then that run's promise. */
  runNow(): Promise<void> {
    this.running ??= this.runOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  /** A run that starts after this call: waits out one in progress (it may have read the clock too early). */
  async runFresh(): Promise<void> {
    await this.running;
    return this.runNow();
  }

  private async runOnce(): Promise<void> {
    const end = this.durations.startTimer({ job: this.options.name });
    let next: number;
    try {
      next = (await this.options.run()) ?? this.options.intervalMs;
    } catch (err) {
      if (!this.stopped) this.logger.warn({ err: String(err) }, `${this.options.name} failed; will retry`);
      next = this.options.failureBackoffMs ?? this.options.intervalMs;
    } finally {
      end();
    }
    this.schedule(next);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const spread = delayMs * (this.options.jitter ?? 0) * (Math.random() * 2 - 1);
    this.timer = setTimeout(() => void this.runNow(), Math.max(0, delayMs + spread));
    this.timer.unref();
  }
}
