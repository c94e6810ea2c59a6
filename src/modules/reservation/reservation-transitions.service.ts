import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { inTransaction } from '../../database/transaction';
import { EXPIRY_QUEUE, ExpiryQueue } from './expiry/expiry-queue';
import { OrderRepository } from './orders/order.repository';
import { HoldExpiryService } from './expiry/hold-expiry.service';
import { assertOwner } from './reservation-access';
import { ReservationRepository, ReservationRow } from './reservation.repository';
import { isOverdue, TransitionName, TRANSITIONS } from './reservation-state';
import { ReservationView, ReservationViewRepository } from './reservation-view.repository';

/** Result of a locked step: either go on, or the hold is over (EXPIRED, or overdue and about to be). */
export type Checked = { expired: true } | { expired: false; row: ReservationRow };

/**
 * What the reservation module lets others do to a reservation: lock it and move it along the state
 * machine in the caller's transaction, read its view, and the lifecycle calls of its own (paying, cancel
 * of an unpaid hold). Every move is one conditional statement (reservation, seat and outbox row together).
 */
@Injectable()
export class ReservationTransitions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reservations: ReservationRepository,
    private readonly views: ReservationViewRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EXPIRY_QUEUE) private readonly expiryQueue: ExpiryQueue,
    private readonly expiry: HoldExpiryService,
    private readonly orders: OrderRepository,
  ) {}

  /** Locks the row for the rest of the caller's transaction, so concurrent calls queue up behind it. */
  lock(em: EntityManager, id: number): Promise<ReservationRow | undefined> {
    return this.reservations.lock(em, id);
  }

  /**
   * Locks the caller's reservation (404 for anyone else's) and says whether its hold is over. The v7
   * calls that take this lock (paying, confirm, cancel) move an unpaid item alone only if its order has
   * one seat: an unpaid item of a larger order is 409 ORDER_REQUIRED (the order moves as a whole until
   * it is paid); an overdue one is expired first, as any hold.
   */
  async lockLive(em: EntityManager, caller: Principal, id: number): Promise<Checked> {
    const row = assertOwner(await this.reservations.lock(em, id), caller);
    if (row.status === 'EXPIRED' || isOverdue(row, this.clock.now())) return { expired: true };
    if (
      (row.status === 'HOLD' || row.status === 'PAYING') &&
      (await this.orders.seatCountOf(em, row.orderId)) > 1
    ) {
      throw new DomainError(
        'ORDER_REQUIRED',
        `Reservation ${row.id} belongs to order ${row.orderId}: pay for or cancel the order as a whole`,
      );
    }
    return { expired: false, row };
  }

  /** One transition in the caller's transaction; undefined when the row was not in a `from` status. */
  move(em: EntityManager, id: number, name: TransitionName): Promise<ReservationRow | undefined> {
    return this.reservations.transition(em, id, TRANSITIONS[name], this.clock.now());
  }

  /** Expires `row` in the caller's transaction if it is live and past its deadline. */
  async expireIfOverdue(em: EntityManager, row: ReservationRow): Promise<void> {
    const now = this.clock.now();
    if (isOverdue(row, now)) await this.reservations.expireDue(em, [row.id], now);
  }

  /** A RESERVATION_STATUS event without a status change: a payment attempt failed. */
  recordPaymentFailed(em: EntityManager, id: number): Promise<void> {
    return this.reservations.appendStatusEvent(em, id, this.clock.now());
  }

  /** After commit: the hold no longer has a deadline to fire (confirmed or cancelled). */
  dropDeadline(id: number): Promise<void> {
    return this.expiryQueue.remove(id);
  }

  /**
   * After the caller's transaction: expires an overdue hold through the expiry service (so it is counted
   * like every other expiry, and commits even though the call fails), then answers HOLD_EXPIRED.
   */
  async failExpired(id: number): Promise<never> {
    await this.expiry.expire([id], 'request');
    throw holdExpired();
  }

  view(id: number): Promise<ReservationView | undefined> {
    return this.views.findById(id);
  }

  async paying(caller: Principal, id: number): Promise<ReservationView> {
    const checked = await inTransaction(this.dataSource, async (em) => {
      const c = await this.lockLive(em, caller, id);
      if (c.expired || c.row.status === 'PAYING') return c;
      if (c.row.status !== 'HOLD') throw invalid(c.row.status, 'start paying for');
      await this.move(em, id, 'paying');
      return c;
    });
    if (checked.expired) await this.failExpired(id);
    return (await this.views.findById(id))!;
  }

  /** Cancels a HOLD or PAYING reservation; undefined when it is CONFIRMED (a refund's job). */
  async cancelUnpaid(caller: Principal, id: number): Promise<ReservationView | undefined> {
    const outcome = await inTransaction(this.dataSource, async (em) => {
      const c = await this.lockLive(em, caller, id);
      if (c.expired) return 'EXPIRED' as const;
      if (c.row.status === 'CONFIRMED') return 'CONFIRMED' as const;
      if (c.row.status !== 'HOLD' && c.row.status !== 'PAYING') throw invalid(c.row.status, 'cancel');
      await this.move(em, id, 'cancel');
      return 'CANCELLED' as const;
    });
    if (outcome === 'EXPIRED') await this.failExpired(id);
    if (outcome === 'CONFIRMED') return undefined;
    await this.expiryQueue.remove(id);
    return (await this.views.findById(id))!;
  }
}

export const holdExpired = () => new DomainError('HOLD_EXPIRED', 'The hold has expired');

export const invalid = (status: string, action: string) =>
  new DomainError('INVALID_STATE_TRANSITION', `Cannot ${action} a reservation that is ${status}`);
