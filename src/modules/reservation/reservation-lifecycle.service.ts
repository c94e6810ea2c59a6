import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { inTransaction } from '../../database/transaction';
import type { Principal } from '../auth/principal';
import { EXPIRY_QUEUE, ExpiryQueue } from './expiry/expiry-queue';
import { assertOwner } from './reservation-access';
import { ReservationRepository, ReservationRow } from './reservation.repository';
import { isOverdue, TRANSITIONS } from './reservation-state';
import { ReservationViewRepository } from './reservation-view.repository';

/** Result of a locked step: either go on, or the hold turned out to be overdue and was expired now. */
export type Checked = { expired: true } | { expired: false; row: ReservationRow };

/** paying and the HOLD/PAYING half of cancel; shared guards for every lifecycle call. */
@Injectable()
export class ReservationLifecycleService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reservations: ReservationRepository,
    private readonly views: ReservationViewRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EXPIRY_QUEUE) private readonly expiryQueue: ExpiryQueue,
  ) {}

  /**
   * Locks the caller's reservation; if its deadline has passed, expires it in this transaction (so the
   * expiry commits even though the call then fails with HOLD_EXPIRED).
   */
  async lockLive(em: EntityManager, caller: Principal, id: number): Promise<Checked> {
    const row = assertOwner(await this.reservations.lock(em, id), caller);
    const now = this.clock.now();
    if (isOverdue(row, now)) {
      await this.reservations.expireDue(em, [id], now);
      return { expired: true };
    }
    return { expired: false, row };
  }

  async paying(caller: Principal, id: number) {
    const checked = await inTransaction(this.dataSource, async (em) => {
      const c = await this.lockLive(em, caller, id);
      if (c.expired || c.row.status === 'PAYING') return c;
      if (c.row.status === 'EXPIRED') return { expired: true } as const;
      if (c.row.status !== 'HOLD') throw invalid(c.row.status, 'start paying for');
      await this.reservations.transition(em, id, TRANSITIONS.paying, this.clock.now());
      return c;
    });
    if (checked.expired) throw holdExpired();
    return (await this.views.findById(id))!;
  }

  view(id: number) {
    return this.views.findById(id);
  }

  /** Steps for refunds: lock the row; move CONFIRMED → REFUNDED with its seat and events. */
  readonly refundSteps: ReservationRefundSteps = {
    lock: (em, id) => this.reservations.lock(em, id),
    markRefunded: (em, id) => this.reservations.transition(em, id, TRANSITIONS.refund, this.clock.now()),
  };

  /** Cancels a HOLD or PAYING reservation; returns undefined when it is CONFIRMED (a refund's job). */
  async cancelUnpaid(caller: Principal, id: number) {
    const outcome = await inTransaction(this.dataSource, async (em) => {
      const c = await this.lockLive(em, caller, id);
      if (c.expired) return 'EXPIRED' as const;
      if (c.row.status === 'CONFIRMED') return 'CONFIRMED' as const;
      if (c.row.status === 'EXPIRED') return 'EXPIRED' as const;
      if (c.row.status !== 'HOLD' && c.row.status !== 'PAYING') throw invalid(c.row.status, 'cancel');
      await this.reservations.transition(em, id, TRANSITIONS.cancel, this.clock.now());
      return 'CANCELLED' as const;
    });
    if (outcome === 'EXPIRED') throw holdExpired();
    if (outcome === 'CONFIRMED') return undefined;
    await this.expiryQueue.remove(id);
    return (await this.views.findById(id))!;
  }
}

/** What the refund module may do to a reservation (it owns no reservation SQL itself). */
export interface ReservationRefundSteps {
  lock(em: EntityManager, id: number): Promise<ReservationRow | undefined>;
  markRefunded(em: EntityManager, id: number): Promise<ReservationRow | undefined>;
}

export const holdExpired = () => new DomainError('HOLD_EXPIRED', 'The hold has expired');

export const invalid = (status: string, action: string) =>
  new DomainError('INVALID_STATE_TRANSITION', `Cannot ${action} a reservation that is ${status}`);
