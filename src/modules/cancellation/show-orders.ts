import type { EntityManager } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import type { PaidOrder } from './cancellation.repository';

/** The dry run's answer (contract: `paidOrders`, `paidSeats`, `refundTotalAmount`, `unpaidOrders`). */
export interface PaidSummary {
  paidOrders: number;
  paidSeats: number;
  refundTotalAmount: number;
  unpaidOrders: number;
}

/** Unpaid orders cancelled in the caller's transaction; `afterCommit` drops their deadlines from the queue. */
export interface UnpaidCancelled {
  count: number;
  afterCommit: () => Promise<void>;
}

/**
 * What became of one item's refund: done (now or before), refused (by the gateway, with its reason), or
 * busy: another refund of the item (the fan's own) is between its steps, so look again shortly.
 */
export type ItemRefund = { refunded: true } | { refunded: false; error: string } | { busy: true };

/**
 * What a cancellation run needs from orders, in the orders modules' own terms: their services own the
 * tables and the step runner. One class, bound in cancellation.module.ts to those services.
 */
export abstract class ShowOrders {
  abstract paidSummary(optionId: number): Promise<PaidSummary>;
  /** HOLD/PAYING orders → CANCELLED (reason SHOW_CANCELLED), seats released, attempts voided; caller's transaction. */
  abstract cancelUnpaid(em: EntityManager, optionId: number): Promise<UnpaidCancelled>;
  /** Shows cancelled at `since` or later that still have HOLD or PAYING orders (holds that raced it). */
  abstract cancelledShowsWithLiveOrders(since: Date): Promise<number[]>;
  /** Orders with a CONFIRMED item, with the amount and count of those items; caller's transaction. */
  abstract paidOrders(em: EntityManager, optionId: number): Promise<PaidOrder[]>;
  /** The order's items still CONFIRMED (reservation ids, ascending). */
  abstract confirmedItems(orderId: number): Promise<number[]>;
  /**
   * One item refunded through the checkout step runner as the admin's action (no cutoff, one audit row,
   * the gateway idempotency key derived from the item). Already refunded counts as done.
   */
  abstract refundItem(
    orderId: number,
    reservationId: number,
    actor: Principal,
    reason: string,
  ): Promise<ItemRefund>;
}
