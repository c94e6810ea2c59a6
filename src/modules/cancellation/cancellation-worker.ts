import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { PeriodicJob } from '../../common/periodic-job';
import { AppConfig } from '../../config/app-config';
import { inTransaction } from '../../database/transaction';
import { Metrics } from '../../infra/metrics/metrics.service';
import { CatalogService } from '../catalog/catalog.service';
import { CancellationRepository, ClaimedRow } from './cancellation.repository';
import { PermitQueue, REFUND_PACER, RefundPacer } from './pace/refund-pacer';
import { OrderRefund, ShowOrders } from './show-orders';

/** A leased row is another instance's to take once this long has passed since it was leased. */
export const LEASE_SECONDS = 10;
/** A row whose item another refund is busy with is looked at again after this long. */
const BUSY_RETRY_SECONDS = 1;
/** How often an idle instance looks for rows (new runs, retries, expired leases). */
const POLL_MS = 1000;
/** Rows one batch refunds together; never more than the pace allows in a second (see `batchSize`). */
const MAX_BATCH = 50;
/**
 * Batches one instance has going at once: while one waits for its permits and the gateway, another's
 * transactions run, so the pace, not the database round trips, sets the speed.
 */
const PARALLEL_BATCHES = 3;

/**
 * Drives cancellation runs on every instance. Rows are leased in batches (CancellationRepository.claim)
 * and each batch is refunded together: one transaction records every PENDING refund, the gateway calls go
 * out as the shared pacer grants permits, one transaction records every outcome. An instance that dies
 * holds its rows for at most LEASE_SECONDS (a batch takes well under a second); any live one then takes
 * them (within LEASE_SECONDS + POLL_MS, under the contract's 30 s). Exactly once does not rest on the
 * lease: each item's refund is conditional in the checkout step runner (one in flight or done per item)
 * and carries an item-derived gateway key, so a row refunded twice over moves money once.
 */
@Injectable()
export class CancellationWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CancellationWorker.name);
  /** Names this instance's leases. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly job: PeriodicJob;
  private readonly leased = new Set<ClaimedRow>();
  private readonly permits: PermitQueue;
  private readonly recentCalls: number[] = [];
  private lastProgressAt = 0;
  private stopping = false;

  constructor(
    private readonly runs: CancellationRepository,
    private readonly orders: ShowOrders,
    private readonly catalog: CatalogService,
    @Inject(REFUND_PACER) private readonly pacer: RefundPacer,
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.permits = new PermitQueue(pacer);
    this.job = new PeriodicJob(
      { name: 'cancellation-runs', intervalMs: POLL_MS, jitter: 0.2, run: () => this.work() },
      metrics.jobDuration,
    );
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  /** Stops leasing, lets the calls in flight finish, and gives back the rows not refunded yet. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.job.stop();
    await this.runs.release([...this.leased], this.owner).catch(() => undefined);
  }

  /** A run was created or reopened: look now rather than at the next poll. */
  wake(): void {
    if (!this.stopping) void this.job.runNow();
  }

  /** One pass that starts after this call (tests). */
  runOnce(): Promise<void> {
    return this.job.runFresh();
  }

  private get batchSize(): number {
    return Math.min(MAX_BATCH, this.config.massRefundPerSecond);
  }

  /**
   * Cancels what slipped past the cancellation, then refunds leased batches (PARALLEL_BATCHES at a time)
   * until nothing is left to lease, then settles the runs that are done.
   */
  private async work(): Promise<void> {
    await this.cancelLateHolds();
    await Promise.all(Array.from({ length: PARALLEL_BATCHES }, () => this.refundBatches()));
    await this.settleRuns();
  }

  private async refundBatches(): Promise<void> {
    while (!this.stopping) {
      const rows = await this.runs.claim(this.owner, this.batchSize, LEASE_SECONDS);
      if (rows.length === 0) return;
      for (const row of rows) this.leased.add(row);
      try {
        for (const run of byRun(rows)) await this.refundBatch(run);
      } finally {
        for (const row of rows) this.leased.delete(row);
      }
      await this.pushProgress(new Set(rows.map((r) => r.runId)));
    }
  }

  /** One run's leased rows: refunded together, then each row's result written (a statement per kind). */
  private async refundBatch(rows: ClaimedRow[]): Promise<void> {
    const { runId, actorUserId, reason } = rows[0];
    const orderIds = rows.map((r) => r.orderId);
    let results: Map<number, OrderRefund>;
    try {
      results = await this.orders.refundOrders(orderIds, { userId: actorUserId, role: 'ADMIN' }, reason, () =>
        this.permit(),
      );
    } catch (err) {
      // Not the gateway's answer (the database or Redis away): the leases run out and the rows are retried.
      this.logger.warn(
        { err: String(err), runId, orders: orderIds.length },
        'cancellation refunds interrupted',
      );
      return;
    }
    const refunded: number[] = [];
    const failed: { orderId: number; error: string }[] = [];
    const busy: number[] = [];
    for (const [orderId, result] of results) {
      if ('busy' in result) busy.push(orderId);
      else if (result.refunded) refunded.push(orderId);
      else failed.push({ orderId, error: result.error });
    }
    await this.runs.markRefunded(runId, refunded, this.clock.now());
    await this.runs.markFailed(runId, failed, this.owner);
    await this.runs.postpone(runId, busy, this.owner, BUSY_RETRY_SECONDS);
    this.metrics.cancellationRefunds.inc({ result: 'refunded' }, refunded.length);
    this.metrics.cancellationRefunds.inc({ result: 'failed' }, failed.length);
  }

  /** Waits for one permit of the shared pace, before one gateway call. */
  private async permit(): Promise<void> {
    await this.permits.acquire();
    this.countCall();
  }

  /**
   * A hold statement in flight when a cancellation committed read the show as still on sale (its snapshot
   * predates the commit) and can land after the cancellation's sweep of unpaid orders. Nothing can pay for
   * it (beginning a payment re-reads the show), and this cancels it as the cancellation would have, with
   * its seats released, within a poll. Locking the show row in every hold instead would serialise the
   * on-sale's hottest statement on one row. Only shows cancelled within one hold's lifetime are looked at:
   * a late hold is HOLD for at most HOLD_TTL_SECONDS, after which expiry has released it anyway, so the
   * poll does not grow with every show ever cancelled.
   */
  private async cancelLateHolds(): Promise<void> {
    const since = new Date(this.clock.now().getTime() - this.config.holdTtlSeconds * 1000);
    const cancelled = await this.catalog.optionsCancelledSince(since);
    if (cancelled.length === 0) return;
    for (const optionId of await this.orders.showsWithLiveOrders(cancelled)) {
      const unpaid = await inTransaction(this.dataSource, (em) => this.orders.cancelUnpaid(em, optionId));
      await unpaid.afterCommit();
      if (unpaid.count > 0)
        this.logger.log(
          `cancelled ${unpaid.count} order(s) that raced the cancellation of option ${optionId}`,
        );
    }
  }

  /** At most one CANCELLATION_PROGRESS a second per run, whichever instance writes it (a conditional update). */
  private async pushProgress(runIds: Set<number>): Promise<void> {
    const now = this.clock.now();
    if (now.getTime() - this.lastProgressAt < 1000) return;
    this.lastProgressAt = now.getTime();
    for (const runId of runIds) {
      // A push lost to a database hiccup is not worth stopping the refunds for: the next one carries totals.
      await this.runs.pushProgressIfDue(runId, now).catch((err: unknown) => {
        this.logger.warn({ err: String(err), runId }, 'cancellation progress not written');
      });
    }
  }

  /** Ends every running run with no PENDING row left (also one created with no paid order at all). */
  private async settleRuns(): Promise<void> {
    for (const run of await this.runs.runningRuns()) {
      const seconds = await this.runs.finishIfSettled(run.id, this.clock.now());
      if (seconds !== undefined) {
        this.metrics.cancellationRunDuration.observe(seconds);
        this.logger.log(
          `cancellation run ${run.id} (option ${run.optionId}) finished in ${seconds.toFixed(1)} s`,
        );
      }
    }
  }

  private countCall(): void {
    const now = Date.now();
    this.recentCalls.push(now);
    while (this.recentCalls[0] <= now - 1000) this.recentCalls.shift();
    this.metrics.cancellationRefundRate.set(this.recentCalls.length);
  }
}

/** The rows of a claim, one group per run (a claim may reach into the next run's rows). */
function byRun(rows: ClaimedRow[]): ClaimedRow[][] {
  const runs = new Map<number, ClaimedRow[]>();
  for (const row of rows) runs.set(row.runId, [...(runs.get(row.runId) ?? []), row]);
  return [...runs.values()];
}
