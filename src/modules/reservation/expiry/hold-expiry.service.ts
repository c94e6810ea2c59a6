import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { Clock, CLOCK } from '../../../common/clock';
import { AppConfig } from '../../../config/app-config';
import { isDeadlock } from '../../../common/errors/pg-errors';
import { inTransaction } from '../../../database/transaction';
import { DeferPublishing } from '../../../infra/outbox/outbox-relay';
import { ReservationRepository } from '../reservation.repository';
import { splitMembers } from './expiry-queue';
import { HoldWarningsRepository } from './hold-warnings.repository';

export interface ExpiredHold {
  id: number;
  holdExpiresAt: Date;
  userId: number;
}

/** Which path expired a hold: the deadline queue, the database sweeper, or a request that read it. */
export type ExpirySource = 'queue' | 'sweeper' | 'request';

export interface ExpiryBatchInfo {
  source: ExpirySource;
  /** The time written to expired_at (the statement's "now"). */
  expiredAt: Date;
  /** Clock time just after the commit: what a client could first observe. */
  committedAt: Date;
}

/** Committed expiries, one event per batch: the metrics, the benchmarks and the tests observe them. */
export class HoldsExpired {
  static readonly event = 'reservation.holds-expired';
  constructor(
    readonly holds: ExpiredHold[],
    readonly info: ExpiryBatchInfo,
  ) {}
}

/**
 * A batch this large means many holds fell due together: an expiry storm. A claim takes every id due
 * by then, so 100 in one batch is 100 deadlines within one statement's time (tens of ms), thousands a
 * second, where ordinary traffic sees a few. (With 200, 10,000 holds due within one second came in
 * batches of about 150 and the relay competed with them: p99 lateness 78-153 ms against 46-91 ms.)
 */
const STORM_BATCH = 100;
/** The storm lasts this long past its last large batch, to bridge the gap before the next claim. */
const STORM_LINGER_MS = 100;

/**
 * Applies expiry: one set-based conditional update per batch, seats and outbox events in the same
 * statement. During an expiry storm it asks the outbox relay to hold back (DeferPublishing): thousands of
 * holds due at once must not wait behind publishing their predecessors' events.
 */
@Injectable()
export class HoldExpiryService {
  private stormBatchesInFlight = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly reservations: ReservationRepository,
    private readonly warnings: HoldWarningsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly events: EventEmitter2,
    private readonly config: AppConfig,
  ) {}

  /** How long before its deadline a hold is warned (0: never). */
  get warningMs(): number {
    return this.config.holdExpiryWarningSeconds * 1000;
  }

  /** Applies members claimed from a queue: expiries first (their deadline has passed), then warnings. */
  async fire(members: string[]): Promise<void> {
    const { expire, warn } = splitMembers(members);
    await this.expire(expire, 'queue');
    await this.warn(warn);
  }

  /** Writes HOLD_EXPIRING for those of `ids` still live and not yet warned; returns them. */
  async warn(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    return this.warnings.warn(ids, this.clock.now());
  }

  /**
   * Expires those of `ids` that are still live and due; returns what this call expired. Ids that are
   * already terminal or not yet due are left alone, so duplicate or early signals are harmless.
   */
  async expire(ids: number[], source: ExpirySource = 'request'): Promise<ExpiredHold[]> {
    if (ids.length === 0) return [];
    const storm = ids.length >= STORM_BATCH;
    if (storm) this.stormStarted();
    try {
      const now = this.clock.now();
      const expired = await this.expireDueRetryingDeadlock(ids, now);
      if (expired.length > 0) this.notify(expired, source, now);
      return expired;
    } finally {
      if (storm) this.stormBatchEnded();
    }
  }

  /**
   * One statement is its own transaction: no BEGIN/COMMIT round trips on the expiry hot path. A batch
   * gives purchase counts back to many users at once, so it can meet a hold or a cancel in a lock cycle;
   * PostgreSQL then fails one side, and running the batch again at once beats waiting for the sweeper.
   */
  private async expireDueRetryingDeadlock(ids: number[], now: Date): Promise<ExpiredHold[]> {
    try {
      return await this.reservations.expireDue(this.dataSource, ids, now);
    } catch (err) {
      if (!isDeadlock(err)) throw err;
      return this.reservations.expireDue(this.dataSource, ids, now);
    }
  }

  private stormStarted(): void {
    this.stormBatchesInFlight++;
    this.events.emit(DeferPublishing.event, new DeferPublishing(Number.POSITIVE_INFINITY));
  }

  private stormBatchEnded(): void {
    this.stormBatchesInFlight--;
    if (this.stormBatchesInFlight > 0) return;
    this.events.emit(
      DeferPublishing.event,
      new DeferPublishing(this.clock.now().getTime() + STORM_LINGER_MS),
    );
  }

  /**
   * Expires up to `limit` holds overdue by more than `graceMs`, skipping rows another instance is
   * handling. The grace leaves fresh deadlines to the queue: a sweep that locked rows due this very
   * moment would only make the queue's batch wait on those locks.
   */
  async sweep(limit: number, graceMs = 0): Promise<ExpiredHold[]> {
    const now = this.clock.now();
    const expired = await inTransaction(this.dataSource, async (em) => {
      const due = await this.reservations.findLiveDue(em, new Date(now.getTime() - graceMs), limit, true);
      return due.length
        ? this.reservations.expireDue(
            em,
            due.map((d) => d.id),
            now,
          )
        : [];
    });
    if (expired.length > 0) this.notify(expired, 'sweeper', now);
    return expired;
  }

  /** Warns up to `limit` live holds whose warning is overdue by more than `graceMs` (the queue lost it). */
  async sweepWarnings(limit: number, graceMs: number): Promise<number[]> {
    if (this.warningMs === 0) return [];
    const now = this.clock.now();
    const missed = await this.warnings.missed(new Date(now.getTime() - graceMs), this.warningMs, now, limit);
    return this.warn(missed);
  }

  private notify(expired: ExpiredHold[], source: ExpirySource, expiredAt: Date): void {
    const info = { source, expiredAt, committedAt: this.clock.now() };
    this.events.emit(HoldsExpired.event, new HoldsExpired(expired, info));
  }
}
