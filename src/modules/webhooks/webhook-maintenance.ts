import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock, CLOCK } from '../../common/clock';
import { PeriodicJob } from '../../common/periodic-job';
import { AppConfig } from '../../config/app-config';
import { Metrics } from '../../infra/metrics/metrics.service';
import { WebhookMessagesRepository } from './webhook-messages.repository';

const EVERY_MS = 5_000;
const PRUNE_EVERY_MS = 10 * 60_000;
const PRUNE_BATCH = 5_000;

/**
 * Every 5 s: the queue-depth gauge per endpoint. Every 10 min: prunes messages older than
 * WEBHOOK_LOG_RETENTION_DAYS, whatever their status (the log is kept that long, no longer).
 */
@Injectable()
export class WebhookMaintenance implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job: PeriodicJob;
  private lastPrune = 0;

  constructor(
    private readonly messages: WebhookMessagesRepository,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.job = new PeriodicJob(
      { name: 'webhook-maintenance', intervalMs: EVERY_MS, jitter: 0.1, run: () => this.run() },
      metrics.jobDuration,
    );
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  async countQueues(): Promise<void> {
    const depths = await this.messages.depthByEndpoint();
    this.metrics.webhookQueueDepth.reset();
    for (const { endpoint_id, n } of depths)
      this.metrics.webhookQueueDepth.set({ endpoint: String(endpoint_id) }, n);
  }

  /** Deletes every message older than the retention; returns how many. */
  async prune(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.webhookLogRetentionDays * 86_400_000);
    let total = 0;
    for (let round = 0; round < 20; round++) {
      const n = await this.messages.pruneBefore(before, PRUNE_BATCH);
      total += n;
      if (n < PRUNE_BATCH) break;
    }
    return total;
  }

  private async run(): Promise<void> {
    await this.countQueues();
    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.prune();
    }
  }
}
