import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { inTransaction } from '../../database/transaction';
import type { Principal } from '../auth/principal';
import { EXPIRY_QUEUE, ExpiryQueue } from './expiry/expiry-queue';
import { HoldExpiryService } from './expiry/hold-expiry.service';
import { assertOwner } from './reservation-access';
import { ReservationRepository, ReservationRow } from './reservation.repository';
import { isOverdue, TRANSITIONS } from './reservation-state';
import { ReservationViewRepository } from './reservation-view.repository';

/** Result of a locked step: either go on, or the hold is over (EXPIRED, or overdue and about to be). */
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
    private readonly expiry: HoldExpiryService,
  ) {}

  /** Locks the caller's reservation and says whether its hold is over (EXPIRED, or past its deadline). */
  async lockLive(em: EntityManager, caller: Principal, id: number): Promise<Checked> {
    const row = assertOwner(await this.reservations.lock(em, id), caller);
    if (row.status === 'EXPIRED' || isOverdue(row, this.clock.now())) return { expired: true };
    return { expired: false, row };
  }

  /**
   * After the caller's transaction: expires an overdue hold through the expiry service (so it is counted
   * like every other expiry, and commits even though the call fails), then answers HOLD_EXPIRED.
   * Already EXPIRED rows are left alone by the conditional update.
   */
  async failExpired(id: number): Promise<never> {
    await this.expiry.expire([id], 'request');
    throw holdExpired();
  }

  async paying(caller: Principal, id: number) {
    const checked = await inTransaction(this.dataSource, async (em) => {
      const c = await this.lockLive(em, caller, id);
      if (c.expired || c.row.status === 'PAYING') return c;
      if (c.row.status !== 'HOLD') throw invalid(c.row.status, 'start paying for');
      await this.reservations.transition(em, id, TRANSITIONS.paying, this.clock.now());
      return c;
    });
    if (checked.expired) await this.failExpired(id);
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
      if (c.row.status !== 'HOLD' && c.row.status !== 'PAYING') throw invalid(c.row.status, 'cancel');
      await this.reservations.transition(em, id, TRANSITIONS.cancel, this.clock.now());
      return 'CANCELLED' as const;
    });
    if (outcome === 'EXPIRED') await this.failExpired(id);
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
