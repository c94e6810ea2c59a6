import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { allMembersOf, ExpiryQueue, membersOf } from './expiry-queue';
import { HoldExpiryService } from './hold-expiry.service';

const BATCH = 1000;
/** setTimeout's ceiling; longer waits are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Single-instance expiry without Redis: one timer armed for the earliest deadline or warning, firing due
 * members in batches.
 * Deadlines live only in this process, so a restart relies on the database sweeper for the holds it had.
 */
export class InProcessExpiryQueue implements ExpiryQueue, OnApplicationShutdown {
  private readonly logger = new Logger(InProcessExpiryQueue.name);
  private readonly due = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private armedFor = Infinity;
  private running = false;
  private stopped = false;

  constructor(
    private readonly expiry: HoldExpiryService,
    private readonly metrics: Metrics,
  ) {}

  async add(reservationId: number, dueAt: Date): Promise<void> {
    const members = membersOf(reservationId, dueAt.getTime(), this.expiry.warningMs);
    for (const [member, at] of members) this.due.set(member, at);
    this.metrics.expiryBacklog.set(this.due.size);
    if (Math.min(...members.map(([, at]) => at)) < this.armedFor) this.arm();
  }

  async remove(reservationId: number): Promise<void> {
    for (const member of allMembersOf(reservationId)) this.due.delete(member);
    this.metrics.expiryBacklog.set(this.due.size);
  }

  get size(): number {
    return this.due.size;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.stopped || this.due.size === 0) {
      this.armedFor = Infinity;
      return;
    }
    let next = Infinity;
    for (const at of this.due.values()) if (at < next) next = at;
    this.armedFor = next;
    this.timer = setTimeout(() => void this.fire(), Math.min(Math.max(0, next - Date.now()), MAX_TIMER_MS));
    this.timer.unref();
  }

  private async fire(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const now = Date.now();
      const ready = [...this.due].filter(([, at]) => at <= now).map(([member]) => member);
      for (let i = 0; i < ready.length; i += BATCH) {
        const batch = ready.slice(i, i + BATCH);
        batch.forEach((member) => this.due.delete(member));
        await this.expiry.fire(batch);
      }
    } catch (err) {
      this.logger.warn({ err }, 'expiry batch failed; the sweeper will retry');
    } finally {
      this.metrics.expiryBacklog.set(this.due.size);
      this.running = false;
      this.armedFor = Infinity;
      this.arm();
    }
  }
}
