import { Injectable, Logger } from '@nestjs/common';
import type { LedgerRow } from '../payment/ledger/ledger.repository';
import { OrderTransitions } from '../reservation/orders/order-transitions.service';
import { ReservationTransitions } from '../reservation/reservation-transitions.service';
import { RefundPayments } from './refund-payments.service';
import type { Locked } from './steps/checkout-step-runner';

/**
 * What a settled payment attempt did to its order.
 * PAID_AFTER_CANCEL / PAID_AFTER_EXPIRY: money was captured for an order that can no longer get its
 * tickets; `followUp` refunds it. ALREADY_PAID: the order was already moved by this same payment
 * (e.g. the webhook settled it while confirm was waiting on the gateway).
 */
export type SettlementOutcome =
  'CONFIRMED' | 'FAILED' | 'PENDING' | 'ALREADY_PAID' | 'PAID_AFTER_CANCEL' | 'PAID_AFTER_EXPIRY';

export const isPaidWithoutTicket = (o: SettlementOutcome) =>
  o === 'PAID_AFTER_CANCEL' || o === 'PAID_AFTER_EXPIRY';

/** The order a settlement was about, for the follow-ups after commit. */
export interface SettledOrder {
  orderId: number;
  itemIds: number[];
}

/**
 * The one place where a payment outcome reaches its order, whichever door it came through: the gateway's
 * answer to confirm, the PG's webhook, or the reconciler's inquiry. So an approval after the deadline is
 * treated the same way by all three: never a ticket, always a refund.
 */
@Injectable()
export class SettlementService {
  private readonly logger = new Logger(SettlementService.name);

  constructor(
    private readonly transitions: ReservationTransitions,
    private readonly orders: OrderTransitions,
    private readonly refunds: RefundPayments,
  ) {}

  /**
   * Inside the step runner's transaction, with the order and its items locked and `attempt` as it now
   * stands: move every item together (one payment buys the whole order). A capture on an order that is no
   * longer live never yields a ticket (the seats are not given back).
   */
  async apply({ em, order, items }: Locked, attempt: LedgerRow): Promise<SettlementOutcome> {
    if (attempt.status === 'FAILED') {
      await this.orders.recordPaymentFailed(em, items);
      return 'FAILED';
    }
    if (attempt.status === 'PENDING') return 'PENDING';
    // One PENDING-or-SUCCESS payment per order (unique index): a paid order was paid by this one.
    if (items.some((i) => i.status === 'CONFIRMED' || i.status === 'REFUNDED')) return 'ALREADY_PAID';
    // One statement for every item: the items share one status and one deadline, so all move or none.
    const confirmed = await this.orders.move(em, order!.id, 'confirm');
    if (confirmed.length === items.length) return 'CONFIRMED';
    if (confirmed.length > 0) {
      throw new Error(`order ${order!.id}: only ${confirmed.length} of ${items.length} items confirmed`);
    }
    // The items carry the order's deadline (the expiry moves them); expiring one expires the whole order.
    await this.transitions.expireIfOverdue(em, items[0]);
    return items.some((i) => i.status === 'CANCELLED') ? 'PAID_AFTER_CANCEL' : 'PAID_AFTER_EXPIRY';
  }

  /** After commit: drop the expiry timer of a confirmed hold, or refund a payment that bought nothing. */
  async followUp(order: SettledOrder, outcome: SettlementOutcome): Promise<void> {
    if (outcome === 'CONFIRMED') for (const id of order.itemIds) await this.transitions.dropDeadline(id);
    if (isPaidWithoutTicket(outcome)) await this.compensate(order.orderId);
  }

  private async compensate(orderId: number): Promise<void> {
    try {
      await this.refunds.compensate(orderId);
      this.logger.warn({ orderId }, 'payment captured after the hold ended: refunded automatically');
    } catch (err) {
      // The captured payment stays visible in GET /api/admin/payments/pending for an operator.
      this.logger.error({ orderId, err: String(err) }, 'automatic refund failed');
    }
  }
}

/** The order a locked step was about, for `followUp`. */
export const settledOrder = (locked: Locked): SettledOrder => ({
  orderId: locked.orderId!,
  itemIds: locked.items.map((i) => i.id),
});
