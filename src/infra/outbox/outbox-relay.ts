import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Clock, CLOCK } from '../../common/clock';
import { PeriodicJob } from '../../common/periodic-job';
import { Metrics } from '../metrics/metrics.service';
import { EVENT_BUS, EventBus } from '../event-bus/event-bus.port';
import { OutboxRepository } from './outbox.repository';

/**
 * Idle poll period: bounds the commit → publish wait (≤ one period) for ~40 probes/s of an empty partial
 * index (~0.1 ms each). The push benchmark (bench/scenarios/push.ts): p99 commit → socket 87 ms at
 * 50 ms, see bench/RESULTS.md at 25 ms.
 */
const POLL_MS = 25;
const BATCH = 500;
/** Longer than any publish should take; a relay that dies mid-publish delays its batch by this much. */
const LEASE_SECONDS = 30;
const FAILURE_BACKOFF_MS = 1000;
/** Events are kept ≥ 1 h for SSE replay (contract); published ones are pruned after 2 h. */
const RETENTION_SECONDS = 2 * 3600;
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 5000;
/**
 * Longest the relay holds back for deadline-critical work (see DeferPublishing) before publishing anyway,
 * so a sustained storm delays pushes by at most this much instead of starving them.
 */
const MAX_DEFER_MS = 1000;

/**
 * Emitted by work whose deadline matters more than a push's latency (an expiry storm: thousands of holds
 * due at once): the relay starts no batch until `until` (ms on the clock), for at most MAX_DEFER_MS in a
 * row. Claiming and marking outbox rows costs PostgreSQL about as much as writing them, and on a small
 * machine that work would come straight out of the expiries' lateness.
 */
export class DeferPublishing {
  static readonly event = 'outbox.defer-publishing';
  constructor(readonly until: number) {}
}

/**
 * Publishes committed outbox rows, on every instance: claim a batch under a lease (one statement, no
 * transaction held), publish it with no transaction open, then mark it published. At-least-once: a
 * crash or failed mark after a successful publish means the batch is published again after its lease;
 * every event carries a stable eventId derived from its row id, so clients drop the duplicate. Rows
 * only become visible to the claim after their business transaction commits, so nothing is pushed
 * before commit and a rolled back change pushes nothing.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job: PeriodicJob;
  private lastPrune = Date.now();
  private deferUntil = 0;
  private deferredSince?: number;

  constructor(
    private readonly outbox: OutboxRepository,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.job = new PeriodicJob(
      {
        name: 'outbox-relay',
        intervalMs: POLL_MS,
        failureBackoffMs: FAILURE_BACKOFF_MS,
        run: () => this.poll(),
      },
      metrics.jobDuration,
    );
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  /** Stops polling before the database and the bus go away (destroy hooks run before shutdown hooks). */
  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  @OnEvent(DeferPublishing.event)
  defer({ until }: DeferPublishing): void {
    this.deferUntil = until;
  }

  /** One poll now (or the one in progress); for tests that stopped the schedule. */
  pollNow(): Promise<void> {
    return this.job.runNow();
  }

  /** Publishes until no claimable row is left (or it must give way); returns how many events it published. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowIds, events, oldestCreatedAt } = await this.outbox.claim(BATCH, LEASE_SECONDS);
      this.metrics.outboxLag.set(oldestCreatedAt ? (Date.now() - oldestCreatedAt.getTime()) / 1000 : 0);
      if (rowIds.length === 0) return total;
      try {
        await this.bus.publish(events);
      } catch (err) {
        await this.outbox.release(rowIds).catch(() => undefined);
        throw err;
      }
      await this.outbox.markPublished(rowIds);
      total += events.length;
      if (rowIds.length < BATCH || this.deferring()) return total;
    }
  }

  private async poll(): Promise<void> {
    if (this.deferring()) return;
    await this.drain();
    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) await this.prune();
  }

  private deferring(): boolean {
    const now = this.clock.now().getTime();
    if (now >= this.deferUntil) {
      this.deferredSince = undefined;
      return false;
    }
    this.deferredSince ??= now;
    return now - this.deferredSince < MAX_DEFER_MS;
  }

  private async prune(): Promise<void> {
    this.lastPrune = Date.now();
    for (let round = 0; round < 20; round++) {
      if ((await this.outbox.prunePublished(RETENTION_SECONDS, PRUNE_BATCH)) < PRUNE_BATCH) return;
    }
  }
}
