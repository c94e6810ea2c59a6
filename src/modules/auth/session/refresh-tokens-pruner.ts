import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, CLOCK } from '../../../common/clock';
import { PeriodicJob } from '../../../common/periodic-job';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { RefreshTokensRepository } from './refresh-tokens.repository';

const PRUNE_INTERVAL_MS = 10 * 60_000;
const PRUNE_BATCH = 5000;
const MAX_BATCHES_PER_RUN = 20;

/**
 * How long a spent refresh token is kept: while kept, presenting it again is recognised as a reuse and
 * revokes its family; after, it is just an unknown token (401, the family lives on). A day covers a
 * client that restarts with the token it held, and bounds what one session can store (the refresh rate
 * limit allows 14,400 rotations a day).
 */
export const SPENT_RETENTION_MS = 24 * 3600_000;

/**
 * Deletes refresh tokens that can never be accepted again (expired, spent more than SPENT_RETENTION_MS
 * ago, or of a revoked family) and families with nothing left alive, every few minutes on every
 * instance. Deletes are idempotent, so instances need not coordinate.
 */
@Injectable()
export class RefreshTokensPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RefreshTokensPruner.name);
  private readonly job: PeriodicJob;
  private lastPruned = 0;

  constructor(
    private readonly refreshTokens: RefreshTokensRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    metrics: Metrics,
  ) {
    this.job = new PeriodicJob(
      { name: 'refresh-token-pruner', intervalMs: PRUNE_INTERVAL_MS, jitter: 0.1, run: () => this.prune() },
      metrics.jobDuration,
    );
  }

  onApplicationBootstrap(): void {
    this.job.start(PRUNE_INTERVAL_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** One run that starts now; answers how many token rows it deleted. */
  async pruneOnce(): Promise<number> {
    await this.job.runFresh();
    return this.lastPruned;
  }

  private async prune(): Promise<void> {
    const now = this.clock.now();
    const spentBefore = new Date(now.getTime() - SPENT_RETENTION_MS);
    let total = 0;
    try {
      for (let round = 0; round < MAX_BATCHES_PER_RUN; round++) {
        const deleted = await this.refreshTokens.prune(now, spentBefore, PRUNE_BATCH);
        total += deleted;
        if (deleted < PRUNE_BATCH) break;
      }
    } finally {
      this.lastPruned = total;
    }
    if (total > 0) this.logger.log(`pruned ${total} refresh token(s) that can no longer be used`);
  }
}
