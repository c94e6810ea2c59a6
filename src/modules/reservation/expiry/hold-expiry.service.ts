import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, CLOCK } from '../../../common/clock';
import { inTransaction } from '../../../database/transaction';
import { OutboxRelay } from '../../../infra/outbox/outbox-relay';
import { ReservationRepository } from '../reservation.repository';

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

export type ExpiryListener = (expired: ExpiredHold[], info: ExpiryBatchInfo) => void;

/**
 * A batch this large means many holds fell due together: an expiry storm. A claim takes every id due
 * by then, so 100 in one batch is 100 deadlines within one statement's time (tens of ms), thousands a
 * second, where ordinary traffic sees a few. (With 200, 10,000 holds due within one second came in
 * batches of about 150 and the relay competed with them: p99 lateness 78-153 ms against 46-91 ms.)
 */
const STORM_BATCH = 100;
/** The storm lasts this long past its last large batch, to bridge the gap before the next claim. */
const STORM_LINGER_MS = 100;

/** Applies expiry: one set-based conditional update per batch, seats and outbox events in the same statement. */
@Injectable()
export class HoldExpiryService {
  private readonly logger = new Logger(HoldExpiryService.name);
  private readonly listeners: ExpiryListener[] = [];
  private stormBatchesInFlight = 0;
  private lastStormBatchEndedAt = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly reservations: ReservationRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    relay: OutboxRelay,
  ) {
    // Thousands of holds due at once must not wait behind publishing their predecessors' events.
    relay.deferWhile(() => this.inStorm());
  }

  /** Wall time, not the injectable clock: this paces real work on this machine. */
  inStorm(): boolean {
    return this.stormBatchesInFlight > 0 || Date.now() - this.lastStormBatchEndedAt < STORM_LINGER_MS;
  }

  /**
   * Expires those of `ids` that are still live and due; returns what this call expired. Ids that are
   * already terminal or not yet due are left alone, so duplicate or early signals are harmless.
   */
  async expire(ids: number[], source: ExpirySource = 'request'): Promise<ExpiredHold[]> {
    if (ids.length === 0) return [];
    const storm = ids.length >= STORM_BATCH;
    if (storm) this.stormBatchesInFlight++;
    try {
      const now = this.clock.now();
      // One statement is its own transaction: no BEGIN/COMMIT round trips on the expiry hot path.
      const expired = await this.reservations.expireDue(this.dataSource, ids, now);
      if (expired.length > 0) this.notify(expired, source, now);
      return expired;
    } finally {
      if (storm) {
        this.stormBatchesInFlight--;
        this.lastStormBatchEndedAt = Date.now();
      }
    }
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

  /** Metrics, benchmarks and tests observe committed expiries here. */
  onExpired(listener: ExpiryListener): void {
    this.listeners.push(listener);
  }

  private notify(expired: ExpiredHold[], source: ExpirySource, expiredAt: Date): void {
    const info = { source, expiredAt, committedAt: this.clock.now() };
    for (const listener of this.listeners) {
      try {
        listener(expired, info);
      } catch (err) {
        this.logger.warn({ err }, 'expiry listener failed');
      }
    }
  }
}
