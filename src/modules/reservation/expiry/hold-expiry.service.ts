import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, CLOCK } from '../../../common/clock';
import { inTransaction } from '../../../database/transaction';
import { ReservationRepository } from '../reservation.repository';

export interface ExpiredHold {
  id: number;
  holdExpiresAt: Date;
  userId: number;
}

/** Applies expiry: one set-based conditional update per batch, seats and outbox events in the same statement. */
@Injectable()
export class HoldExpiryService {
  private readonly logger = new Logger(HoldExpiryService.name);
  private readonly listeners: ((expired: ExpiredHold[], expiredAt: Date) => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly reservations: ReservationRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Expires those of `ids` that are still live and due; returns what this call expired. */
  async expire(ids: number[]): Promise<ExpiredHold[]> {
    if (ids.length === 0) return [];
    const now = this.clock.now();
    const expired = await inTransaction(this.dataSource, (em) => this.reservations.expireDue(em, ids, now));
    if (expired.length > 0) this.notify(expired, now);
    return expired;
  }

  /** Expires up to `limit` due holds found in the database, skipping rows another instance is handling. */
  async sweep(limit: number): Promise<ExpiredHold[]> {
    const now = this.clock.now();
    const expired = await inTransaction(this.dataSource, async (em) => {
      const due = await this.reservations.findLiveDue(em, now, limit, true);
      return due.length
        ? this.reservations.expireDue(
            em,
            due.map((d) => d.id),
            now,
          )
        : [];
    });
    if (expired.length > 0) this.notify(expired, now);
    return expired;
  }

  /** Metrics and tests observe committed expiries here. */
  onExpired(listener: (expired: ExpiredHold[], expiredAt: Date) => void): void {
    this.listeners.push(listener);
  }

  private notify(expired: ExpiredHold[], expiredAt: Date): void {
    for (const listener of this.listeners) {
      try {
        listener(expired, expiredAt);
      } catch (err) {
        this.logger.warn({ err }, 'expiry listener failed');
      }
    }
  }
}
