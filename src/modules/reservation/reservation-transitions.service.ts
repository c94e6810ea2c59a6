import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { inTransaction } from '../../database/transaction';
import { EXPIRY_QUEUE, ExpiryQueue } from './expiry/expiry-queue';
import { HoldExpiryService } from './expiry/hold-expiry.service';
import { OrderLockRow, OrderLocksRepository } from './order-locks.repository';
import { assertOwner } from './reservation-access';
import { ReservationRepository, ReservationRow } from './reservation.repository';
import { isOverdue, TransitionName, TRANSITIONS } from './reservation-state';
import { ReservationView, ReservationViewRepository } from './reservation-view.repository';

/** An order and its items (by id), locked. */
export interface LockedOrder {
  order: OrderLockRow;
  items: ReservationRow[];
}

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
    private readonly orderLocks: OrderLocksRepository,
  ) {}

  /** Locks the row for the rest of the caller's transaction, so concurrent calls queue up behind it. */
  async lock(em: EntityManager, id: number): Promise<ReservationRow | undefined> {
    // Its order first: every money movement locks the order before its items (see lockOrder), and moving
    // an item moves its order (the orders trigger), so a reservation locked alone would invert that order.
    const orderId = await this.orderLocks.orderOf(id, em);
    if (orderId !== undefined) await this.orderLocks.lockOrder(em, orderId);
    return this.reservations.lock(em, id);
  }

  /** A reservation's order, read without a lock (it never changes); undefined for an unknown reservation. */
  orderOf(reservationId: number, em?: EntityManager): Promise<number | undefined> {
    return this.orderLocks.orderOf(reservationId, em);
  }

  /**
   * Locks an order for the rest of the caller's transaction in the one order money movements use: the
   * order row, then its items by id. Undefined when there is no such order.
   */
  async lockOrder(em: EntityManager, orderId: number): Promise<LockedOrder | undefined> {
    const order = await this.orderLocks.lockOrder(em, orderId);
    if (!order) return undefined;
    return { order, items: await this.orderLocks.lockItems(em, orderId) };
  }

  /** Several orders and their items (a show cancellation's batch of refunds): OrderLocksRepository.lockOrders. */
  lockOrders(em: EntityManager, orderIds: number[]) {
    return this.orderLocks.lockOrders(em, orderIds);
  }

  /**
   * Locks the caller's reservation (404 for anyone else's) and says whether its hold is over. The v7
   * calls that take this lock (paying, confirm, cancel) move an unpaid item alone only if its order has
   * one seat: an unpaid item of a larger order is 409 ORDER_REQUIRED (the order moves as a whole until
   * it is paid); an overdue one is expired first, as any hold.
   */
  async lockLive(em: EntityManager, caller: Principal, id: number): Promise<Checked> {
    const orderId = await this.orderLocks.orderOf(id, em);
    const order = orderId === undefined ? undefined : await this.orderLocks.lockOrder(em, orderId);
    const row = assertOwner(await this.reservations.lock(em, id), caller);
    if (row.status === 'EXPIRED' || isOverdue(row, this.clock.now())) return { expired: true };
    if ((row.status === 'HOLD' || row.status === 'PAYING') && order!.seatCount > 1) {
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
