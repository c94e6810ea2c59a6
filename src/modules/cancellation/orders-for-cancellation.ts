import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { RefundPayments } from '../checkout/refund-payments.service';
import { LedgerRepository } from '../payment/ledger/ledger.repository';
import { OrderRefundService } from '../refund/order-refund.service';
import { OrderTransitions } from '../reservation/orders/order-transitions.service';
import type { PaidOrder } from './cancellation.repository';
import { ItemRefund, PaidSummary, ShowOrders, UnpaidCancelled } from './show-orders';

/** ShowOrders over the orders' own services (reservation module) and the admin refund of orders (refund module). */
@Injectable()
export class OrdersForCancellation extends ShowOrders {
  constructor(
    private readonly orders: OrderTransitions,
    private readonly orderRefunds: OrderRefundService,
    private readonly ledger: LedgerRepository,
    private readonly refundPayments: RefundPayments,
    private readonly dataSource: DataSource,
  ) {
    super();
  }

  paidSummary(optionId: number): Promise<PaidSummary> {
    return this.orders.showSummary(optionId);
  }

  async cancelUnpaid(em: EntityManager, optionId: number): Promise<UnpaidCancelled> {
    const { orderIds, firstItemIds } = await this.orders.cancelForShow(em, optionId);
    return { count: orderIds.length, afterCommit: () => this.orders.dropDeadlines(firstItemIds) };
  }

  cancelledShowsWithLiveOrders(since: Date): Promise<number[]> {
    return this.orders.cancelledShowsWithLiveOrders(since);
  }

  paidOrders(em: EntityManager, optionId: number): Promise<PaidOrder[]> {
    return this.orders.paidForShow(em, optionId);
  }

  async confirmedItems(orderId: number): Promise<number[]> {
    const order = await this.orders.view(orderId);
    return (order?.items ?? []).filter((i) => i.status === 'CONFIRMED').map((i) => i.reservationId);
  }

  /**
   * One item through OrderRefundService.refundAsAdmin (the step runner; no cutoff; one audit row with the
   * run's actor and reason; the gateway key derived from the item). When it refuses, the item's status
   * afterwards is the truth: REFUNDED by a racing call (the fan's own) is done too.
   */
  async refundItem(
    orderId: number,
    reservationId: number,
    actor: Principal,
    reason: string,
  ): Promise<ItemRefund> {
    let refusal: DomainError | undefined;
    try {
      const [outcome] = await this.orderRefunds.refundAsAdmin(actor, orderId, reason, [reservationId]);
      if (outcome?.result === 'REFUNDED') return { refunded: true };
      if (outcome) return { refunded: false, error: outcome.error ?? 'refund failed' };
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      refusal = err;
    }
    const item = (await this.orders.view(orderId))?.items.find((i) => i.reservationId === reservationId);
    if (item?.status === 'REFUNDED') return { refunded: true };
    // Still CONFIRMED and "not allowed": another refund of it is between its steps (the fan's own, or one
    // a dead instance began).
    if (item?.status === 'CONFIRMED' && refusal?.code === 'REFUND_NOT_ALLOWED') {
      return (await this.resumeAbandoned(reservationId)) ? { refunded: true } : { busy: true };
    }
    return {
      refunded: false,
      error: refusal ? `${refusal.code}: ${refusal.message}` : `item is ${item?.status ?? 'gone'}`,
    };
  }

  /**
   * A refund PENDING for longer than ABANDONED_AFTER_MS was begun by an instance that died (a live one takes
   * well under a second): finish it now with its own row and gateway key, as the reconciler would after its
   * grace period, instead of holding the run up for that minute. A refund it made already is not made
   * again (same key at the gateway, conditional recording). Answers whether the item ended REFUNDED.
   */
  private async resumeAbandoned(reservationId: number): Promise<boolean> {
    const live = () => this.ledger.liveRefunds([reservationId], this.dataSource.manager);
    const [pending] = await live();
    if (pending?.status !== 'PENDING' || Date.now() - pending.createdAt.getTime() < ABANDONED_AFTER_MS)
      return false;
    await this.refundPayments.resume(pending).catch(() => undefined); // a refusal settles it FAILED
    return (await live()).some((r) => r.status === 'SUCCESS');
  }
}

/** As long as a row's lease (CancellationWorker.LEASE_SECONDS): only a dead instance leaves a refund this old. */
const ABANDONED_AFTER_MS = 10_000;
