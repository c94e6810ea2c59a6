import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { RefundPayments } from '../checkout/refund-payments.service';
import { LedgerRepository } from '../payment/ledger/ledger.repository';
import { OrderRefundService } from '../refund/order-refund.service';
import { OrderTransitions } from '../reservation/orders/order-transitions.service';
import type { PaidOrder } from './cancellation.repository';
import { OrderRefund, PaidSummary, ShowOrders, UnpaidCancelled } from './show-orders';

/** ShowOrders over the orders' own services (reservation module) and the admin refund of orders (refund module). */
@Injectable()
export class OrdersForCancellation extends ShowOrders {
  constructor(
    private readonly orders: OrderTransitions,
    private readonly orderRefunds: OrderRefundService,
    private readonly ledger: LedgerRepository,
    private readonly refundPayments: RefundPayments,
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

  showsWithLiveOrders(optionIds: number[]): Promise<number[]> {
    return this.orders.optionsWithLiveOrders(optionIds);
  }

  paidOrders(em: EntityManager, optionId: number): Promise<PaidOrder[]> {
    return this.orders.paidForShow(em, optionId);
  }

  /**
   * The batch through OrderRefundService.refundOrdersAsAdmin (the step runner; no cutoff; one audit row
   * per item with the run's actor and reason; the gateway key derived from the item). An order with
   * nothing CONFIRMED left is done (its fan refunded it). A refusal of the whole batch (an order with
   * nothing paid: never written by this service) is retried order by order, so only that order fails.
   */
  async refundOrders(
    orderIds: number[],
    actor: Principal,
    reason: string,
    beforeCall: () => Promise<void>,
  ): Promise<Map<number, OrderRefund>> {
    try {
      const batch = await this.orderRefunds.refundOrdersAsAdmin(actor, orderIds, reason, beforeCall);
      const results = new Map<number, OrderRefund>(orderIds.map((id) => [id, { refunded: true }]));
      for (const o of batch.outcomes) {
        if (o.result === 'FAILED') results.set(o.orderId, { refunded: false, error: o.error! });
      }
      for (const orderId of batch.busyOrders) {
        await this.resumeAbandoned(orderId, beforeCall);
        results.set(orderId, { busy: true });
      }
      return results;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      if (orderIds.length === 1) {
        return new Map([[orderIds[0], { refunded: false, error: `${err.code}: ${err.message}` }]]);
      }
      const results = new Map<number, OrderRefund>();
      for (const orderId of orderIds) {
        const [outcome] = await this.refundOrders([orderId], actor, reason, beforeCall);
        results.set(...outcome);
      }
      return results;
    }
  }

  /**
   * A refund PENDING for longer than ABANDONED_AFTER_MS was begun by an instance that died (a live one takes
   * well under a second): finish it now with its own row and gateway key, as the reconciler would after its
   * grace period, instead of holding the run up for that minute. A refund it made already is not made
   * again (same key at the gateway, conditional recording). The order's row is looked at again afterwards.
   */
  private async resumeAbandoned(orderId: number, beforeCall: () => Promise<void>): Promise<void> {
    const abandoned = (await this.ledger.listForOrder(orderId)).filter(
      (r) =>
        r.type === 'REFUND' &&
        r.status === 'PENDING' &&
        Date.now() - r.createdAt.getTime() >= ABANDONED_AFTER_MS,
    );
    for (const refund of abandoned) {
      await beforeCall();
      await this.refundPayments.resume(refund).catch(() => undefined); // a refusal settles it FAILED
    }
  }
}

/** As long as a row's lease (CancellationWorker.LEASE_SECONDS): only a dead instance leaves a refund this old. */
const ABANDONED_AFTER_MS = 10_000;
