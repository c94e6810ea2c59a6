import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { Clock } from '../../../common/clock';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { allMembersOf, ExpiryQueue, membersOf } from './expiry-queue';
import { ExpirySeedRepository } from './expiry-seed.repository';
import { HoldExpiryService } from './hold-expiry.service';
import { CLAIM_SCRIPT, DUE_KEY, PROCESSING_KEY, scoreOf } from './redis-expiry-keys';

/** Ids per claim, and so per UPDATE … WHERE id = ANY($1) statement. */
export const CLAIM_BATCH = 1000;
/**
 * Longest sleep between looks at the due set. Each instance arms its timer for the earliest score it
 * sees and re-arms at once for holds it adds itself, so this cap only matters for deadlines added by
 * ANOTHER instance that then dies (or a re-seed elsewhere): they are picked up within 250 ms. That
 * costs one pipelined round trip per 250 ms per instance, and needs no pub/sub connection to keep
 * subscribed across reconnects, so it is simpler than cross-instance notifications for the same bound.
 */
const POLL_CAP_MS = 250;
/** While Redis is unreachable, how often to try again (commands fail fast: the offline queue is off). */
const RETRY_MS = 1000;
/** How long a claim is exclusive; after that another instance may retry ids a dead claimer held. */
const LEASE_MS = 15_000;
const SEED_PAGE = 2000;

type ClaimingRedis = Redis & {
  claimDueHolds(
    due: string,
    processing: string,
    now: number,
    limit: number,
    lease: number,
  ): Promise<string[]>;
};

/**
 * Multi-instance hold expiry on a Redis sorted set scored by holdExpiresAt (ms). Every instance runs
 * this scheduler; a Lua script hands each due id to exactly one of them, which applies it with the
 * set-based conditional update. PostgreSQL stays the truth: at start-up and after every reconnect the
 * set is re-seeded from the live holds, and the database sweeper expires anything Redis lost.
 */
export class RedisExpiryQueue implements ExpiryQueue, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RedisExpiryQueue.name);
  private readonly redis: ClaimingRedis;
  private timer?: NodeJS.Timeout;
  private armedFor = Infinity;
  private ticking?: Promise<void>;
  private tickAgain = false;
  private seeding?: Promise<void>;
  private stopped = false;
  private redisFailing = false;
  private readonly onReady = () => void this.reseed();

  constructor(
    redis: Redis,
    private readonly expiry: HoldExpiryService,
    private readonly seeds: ExpirySeedRepository,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {
    redis.defineCommand('claimDueHolds', { numberOfKeys: 2, lua: CLAIM_SCRIPT });
    this.redis = redis as ClaimingRedis;
  }

  onApplicationBootstrap(): void {
    // 'ready' fires again after every reconnect: holds taken while Redis was away get queued then.
    this.redis.on('ready', this.onReady);
    if (this.redis.status === 'ready') void this.reseed();
    else this.arm(RETRY_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.redis.off('ready', this.onReady);
    clearTimeout(this.timer);
    await Promise.all([this.ticking, this.seeding]);
  }

  async add(reservationId: number, dueAt: Date): Promise<void> {
    const members = membersOf(reservationId, scoreOf(dueAt), this.expiry.warningMs);
    const score = Math.min(...members.map(([, at]) => at));
    try {
      await this.redis.zadd(DUE_KEY, ...members.flatMap(([member, at]) => [at, member]));
      this.redisUp();
    } catch (err) {
      this.redisDown(err);
      return;
    }
    if (score < this.armedFor) this.arm(score - this.now());
  }

  async remove(reservationId: number): Promise<void> {
    try {
      const members = allMembersOf(reservationId);
      await this.redis
        .pipeline()
        .zrem(DUE_KEY, ...members)
        .zrem(PROCESSING_KEY, ...members)
        .exec();
    } catch (err) {
      this.redisDown(err); // a stale member is harmless: its claim finds the hold no longer live
    }
  }

  /**
   * Copies every live hold's deadline (and, unless written already, its warning) from PostgreSQL into
   * the due set, then wakes the scheduler.
   */
  reseed(): Promise<void> {
    this.seeding ??= (async () => {
      try {
        let afterId = 0;
        let total = 0;
        for (;;) {
          const page = await this.seeds.liveDeadlines(afterId, SEED_PAGE);
          if (page.length === 0) break;
          const members = page.flatMap((h) => membersOf(h.id, h.dueMs, this.expiry.warningMs, h.warned));
          await this.redis.zadd(DUE_KEY, ...members.flatMap(([member, at]) => [at, member]));
          total += page.length;
          afterId = page[page.length - 1].id;
        }
        this.logger.log(`expiry queue seeded with ${total} live hold(s) from the database`);
        this.redisUp();
      } catch (err) {
        // Redis down: the next 'ready' seeds again. Database down: the sweeper covers once it is back.
        this.logger.warn(`re-seeding the expiry queue failed (${String(err)})`);
      } finally {
        this.seeding = undefined;
        if (!this.stopped) this.arm(0);
      }
    })();
    return this.seeding;
  }

  /** One scheduler pass: expire everything due now, then sleep until the next score (or the cap). */
  tick(): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      // Adds during this pass lower armedFor again; the pass then re-arms no later than they asked.
      this.armedFor = Infinity;
      let delay = POLL_CAP_MS;
      try {
        do {
          this.tickAgain = false;
          await this.drain();
        } while (this.tickAgain && !this.stopped);
        delay = await this.nextDelay();
        this.redisUp();
      } catch (err) {
        this.redisDown(err);
        delay = RETRY_MS;
      } finally {
        this.ticking = undefined;
        this.arm(Math.min(delay, this.armedFor - this.now()));
      }
    })();
    return this.ticking;
  }

  /**
   * Claims and applies due batches until none is left. One batch at a time per instance: with two
   * instances on two cores, a second in-flight batch each made p99 worse (bench/RESULTS.md).
   */
  private async drain(): Promise<void> {
    while (!this.stopped) {
      const now = this.now();
      const ids = await this.redis.claimDueHolds(DUE_KEY, PROCESSING_KEY, now, CLAIM_BATCH, now + LEASE_MS);
      if (ids.length === 0 || !(await this.apply(ids)) || ids.length < CLAIM_BATCH) return;
    }
  }

  /** Applies one claimed batch and releases its lease; on a database error the lease is left to run out. */
  private async apply(claimed: string[]): Promise<boolean> {
    try {
      await this.expiry.fire(claimed);
    } catch (err) {
      this.logger.warn(
        { err: String(err) },
        `expiring or warning ${claimed.length} hold(s) failed; retried after the lease`,
      );
      return false;
    }
    await this.redis.zrem(PROCESSING_KEY, ...claimed);
    return true;
  }

  /** Milliseconds until the earliest due score or lease deadline, capped; also refreshes the backlog gauge. */
  private async nextDelay(): Promise<number> {
    const results = await this.redis
      .pipeline()
      .zrange(DUE_KEY, 0, 0, 'WITHSCORES')
      .zrange(PROCESSING_KEY, 0, 0, 'WITHSCORES')
      .zcard(DUE_KEY)
      .zcard(PROCESSING_KEY)
      .exec();
    if (!results) throw new Error('redis pipeline returned nothing');
    for (const [err] of results) if (err) throw err;
    const [due, processing, dueCount, processingCount] = results.map(([, value]) => value) as [
      string[],
      string[],
      number,
      number,
    ];
    this.metrics.expiryBacklog.set(dueCount + processingCount);
    const next = Math.min(
      due.length ? Number(due[1]) : Infinity,
      processing.length ? Number(processing[1]) : Infinity,
    );
    return Math.min(POLL_CAP_MS, Math.max(0, next - this.now()));
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    const delay = Math.max(0, delayMs);
    clearTimeout(this.timer);
    this.armedFor = this.now() + delay;
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private redisDown(err: unknown): void {
    if (!this.redisFailing) {
      this.logger.warn(
        `expiry queue cannot reach Redis (${String(err)}); the database sweeper covers expiry`,
      );
    }
    this.redisFailing = true;
  }

  private redisUp(): void {
    if (this.redisFailing) this.logger.log('expiry queue reaches Redis again');
    this.redisFailing = false;
  }
}
