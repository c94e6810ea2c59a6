import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { Clock, CLOCK } from '../../../common/clock';
import { inTransaction } from '../../../database/transaction';
import { DeferPublishing } from '../../../infra/outbox/outbox-relay';
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
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly events: EventEmitter2,
  ) {}

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
      // One statement is its own transaction: no BEGIN/COMMIT round trips on the expiry hot path.
      const expired = await this.reservations.expireDue(this.dataSource, ids, now);
      if (expired.length > 0) this.notify(expired, source, now);
      return expired;
    } finally {
      if (storm) this.stormBatchEnded();
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

  private notify(expired: ExpiredHold[], source: ExpirySource, expiredAt: Date): void {
    const info = { source, expiredAt, committedAt: this.clock.now() };
    this.events.emit(HoldsExpired.event, new HoldsExpired(expired, info));
  }
}
