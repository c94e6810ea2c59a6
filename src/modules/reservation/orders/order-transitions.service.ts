import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../../common/auth/principal';
import { Clock, CLOCK } from '../../../common/clock';
import { DomainError } from '../../../common/errors/domain-error';
import { inTransaction } from '../../../database/transaction';
import { EXPIRY_QUEUE, ExpiryQueue } from '../expiry/expiry-queue';
import { HoldExpiryService } from '../expiry/hold-expiry.service';
import { ReservationRepository, ReservationRow } from '../reservation.repository';
import { TransitionName, TRANSITIONS } from '../reservation-state';
import { holdExpired, LockedOrder, ReservationTransitions } from '../reservation-transitions.service';
import { OrderRepository, OrderRow } from './order.repository';
import { assertOrderOwner } from './order-query.service';
import { OrderView, OrderViewRepository } from './order-view.repository';

/** Result of a locked step on a live order: go on, or its deadline has passed. */
export type CheckedOrder = { expired: true } | ({ expired: false } & LockedOrder);

const isLiveOrder = (order: { status: string }) => order.status === 'HOLD' || order.status === 'PAYING';

/**
 * What the reservation module lets others do to an order, in the caller's transaction: lock it (the
 * order, then its items in id order: every path takes them so), move its items along the state machine
 * together or some of them (refunds go per item), and the order's own lifecycle calls without money
 * (paying, cancel of an unpaid order, cancellation by the show). Items move in one statement each; the
 * order follows them by its trigger (migration Orders), which also writes ORDER_STATUS.
 */
@Injectable()
export class OrderTransitions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly reservations: ReservationRepository,
    private readonly items: ReservationTransitions,
    private readonly views: OrderViewRepository,
    private readonly expiry: HoldExpiryService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EXPIRY_QUEUE) private readonly expiryQueue: ExpiryQueue,
  ) {}

  /** Locks the order, then its items; undefined for an unknown order. */
  lock(em: EntityManager, orderId: number): Promise<LockedOrder | undefined> {
    return this.items.lockOrder(em, orderId);
  }

  /** Locks the caller's order (404 for anyone else's) and says whether its deadline has passed. */
  async lockLive(em: EntityManager, caller: Principal, orderId: number): Promise<CheckedOrder> {
    const locked = await this.items.lockOrder(em, orderId);
    assertOrderOwner(locked?.order, caller);
    const { order } = locked!;
    if (order.status === 'EXPIRED' || (isLiveOrder(order) && this.isOverdue(order))) return { expired: true };
    return { expired: false, ...locked! };
  }

  isOverdue(order: Pick<OrderRow, 'holdExpiresAt'>): boolean {
    return order.holdExpiresAt.getTime() <= this.clock.now().getTime();
  }

  /**
   * One transition for every item of the order in a `from` status, or only for `onlyIds` (a refund of
   * some items): `confirm` moves every PAYING item CONFIRMED (nothing once the deadline passed), `refund`
   * moves CONFIRMED items REFUNDED (the order becomes PARTIALLY_REFUNDED or REFUNDED). Several orders at
   * once move in the same one statement (a show cancellation's batch of refunds). Returns the items moved
   * (empty when none was in a `from` status).
   */
  move(
    em: EntityManager,
    orderIds: number | number[],
    name: TransitionName,
    onlyIds?: number[],
  ): Promise<ReservationRow[]> {
    const ids = typeof orderIds === 'number' ? [orderIds] : orderIds;
    return this.orders.transitionItems(em, ids, TRANSITIONS[name], this.clock.now(), onlyIds);
  }

  /** A RESERVATION_STATUS event per item without a status change: the order's payment attempt failed. */
  async recordPaymentFailed(em: EntityManager, items: ReservationRow[]): Promise<void> {
    for (const item of items) await this.reservations.appendStatusEvent(em, item.id, this.clock.now());
  }

  /** Expires the order in the caller's transaction if it is live and past its deadline. */
  async expireIfOverdue(em: EntityManager, locked: LockedOrder): Promise<void> {
    const now = this.clock.now();
    if (isLiveOrder(locked.order) && this.isOverdue(locked.order)) {
      await this.reservations.expireDue(em, [locked.items[0].id], now);
    }
  }

  /** After the caller's transaction: expires an overdue order (counted like every expiry), then HOLD_EXPIRED. */
  async failExpired(orderId: number): Promise<never> {
    const order = await this.views.findById(orderId);
    if (order) await this.expiry.expire([order.items[0].reservationId], 'request');
    throw holdExpired();
  }

  /** After commit: the order no longer has a deadline to fire (confirmed or cancelled). */
  dropDeadline(locked: LockedOrder): Promise<void> {
    return this.expiryQueue.remove(locked.items[0].id);
  }

  view(orderId: number): Promise<OrderView | undefined> {
    return this.views.findById(orderId);
  }

  /** HOLD → PAYING for every item, same deadline; PAYING answers unchanged. */
  async paying(caller: Principal, orderId: number): Promise<OrderView> {
    const checked = await inTransaction(this.dataSource, async (em) => {
      const c = await this.lockLive(em, caller, orderId);
      if (c.expired || c.order.status === 'PAYING') return c;
      if (c.order.status !== 'HOLD') throw invalid(c.order.status, 'start paying for');
      await this.move(em, orderId, 'paying');
      return c;
    });
    if (checked.expired) await this.failExpired(orderId);
    return (await this.views.findById(orderId))!;
  }

  /**
   * Cancels a HOLD or PAYING order: every item CANCELLED and its seat AVAILABLE, in one statement. A
   * PENDING attempt is left PENDING: it is void (a late APPROVED is refunded automatically, as on v7).
   * Undefined when the order is paid (CONFIRMED or PARTIALLY_REFUNDED: cancelling it is a refund).
   */
  async cancelUnpaid(caller: Principal, orderId: number): Promise<OrderView | undefined> {
    const outcome = await inTransaction(this.dataSource, async (em) => {
      const c = await this.lockLive(em, caller, orderId);
      if (c.expired) return { expired: true } as const;
      const status = c.order.status;
      if (status === 'CONFIRMED' || status === 'PARTIALLY_REFUNDED') return { paid: true } as const;
      if (!isLiveOrder(c.order)) throw invalid(status, 'cancel');
      await this.move(em, orderId, 'cancel');
      return { locked: c };
    });
    if ('expired' in outcome) await this.failExpired(orderId);
    if ('paid' in outcome) return undefined;
    await this.dropDeadline(outcome.locked!);
    return (await this.views.findById(orderId))!;
  }

  /**
   * Show cancellation, in the caller's transaction: every HOLD or PAYING order of the option becomes
   * CANCELLED with reason SHOW_CANCELLED (its seats AVAILABLE, its ORDER_STATUS written with the reason).
   * Their PENDING attempts stay PENDING, void as on any cancel. Returns the cancelled orders and, for the
   * caller to drop from the expiry queue after commit (`dropDeadlines`), their first items.
   */
  async cancelForShow(
    em: EntityManager,
    optionId: number,
  ): Promise<{ orderIds: number[]; firstItemIds: number[] }> {
    const orderIds = await this.orders.markShowCancelled(em, optionId);
    if (orderIds.length === 0) return { orderIds, firstItemIds: [] };
    const moved = await this.orders.transitionItems(em, orderIds, TRANSITIONS.cancel, this.clock.now());
    const first = new Map<number, number>();
    for (const item of moved) if (!first.has(item.orderId)) first.set(item.orderId, item.id);
    return { orderIds, firstItemIds: [...first.values()] };
  }

  /** Those of the options that have HOLD or PAYING orders (OrderRepository.optionsWithLiveOrders). */
  optionsWithLiveOrders(optionIds: number[]): Promise<number[]> {
    return this.orders.optionsWithLiveOrders(optionIds);
  }

  /** Show cancellation, in the caller's transaction: the paid orders to refund (OrderRepository.paidForShow). */
  paidForShow(em: EntityManager, optionId: number) {
    return this.orders.paidForShow(em, optionId);
  }

  /** A show cancellation's dry-run totals. */
  showSummary(optionId: number) {
    return this.orders.showSummary(optionId);
  }

  /** After the show cancellation's commit: the cancelled orders' deadlines are gone. */
  async dropDeadlines(firstItemIds: number[]): Promise<void> {
    for (const id of firstItemIds) await this.expiryQueue.remove(id);
  }
}

export const invalid = (status: string, action: string) =>
  new DomainError('INVALID_STATE_TRANSITION', `Cannot ${action} an order that is ${status}`);
