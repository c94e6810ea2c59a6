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
 * What became of one order's refund: done (now or before: nothing CONFIRMED is left), refused (by the
 * gateway, with its reason; its other items may be refunded), or busy: another refund of one of its items
 * (the fan's own, or one a dead instance began) is between its steps, so look again shortly.
 */
export type OrderRefund = { refunded: true } | { refunded: false; error: string } | { busy: true };

/**
 * What a cancellation run needs from orders, in the orders modules' own terms: their services own the
 * tables and the step runner. One class, bound in cancellation.module.ts to those services.
 */
export abstract class ShowOrders {
  abstract paidSummary(optionId: number): Promise<PaidSummary>;
  /** HOLD/PAYING orders → CANCELLED (reason SHOW_CANCELLED), seats released, attempts voided; caller's transaction. */
  abstract cancelUnpaid(em: EntityManager, optionId: number): Promise<UnpaidCancelled>;
  /** Those of the shows that have HOLD or PAYING orders (on a cancelled show: holds that raced it). */
  abstract showsWithLiveOrders(optionIds: number[]): Promise<number[]>;
  /** Orders with a CONFIRMED item, with the amount and count of those items; caller's transaction. */
  abstract paidOrders(em: EntityManager, optionId: number): Promise<PaidOrder[]>;
  /**
   * Every CONFIRMED item of the orders refunded through the checkout step runner as the admin's action (no
   * cutoff, one audit row per item, the gateway idempotency key derived from the item), the whole batch in
   * one pair of transactions; `beforeCall` is awaited before each gateway call (the pace). Answers each
   * order's outcome.
   */
  abstract refundOrders(
    orderIds: number[],
    actor: Principal,
    reason: string,
    beforeCall: () => Promise<void>,
  ): Promise<Map<number, OrderRefund>>;
}
