import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { LedgerRepository, LedgerRow } from '../payment/ledger/ledger.repository';
import type { ReservationRow } from '../reservation/reservation.repository';
import { OrderTransitions } from '../reservation/orders/order-transitions.service';
import { CheckoutStepRunner, Locked, MoneyStep, Recorded, StepTarget } from './steps/checkout-step-runner';
import { GatewayCalls } from './steps/gateway-calls';

/** Another call's refund of this ticket is between its steps; its outcome is a few moments away. */
export class RefundInProgress extends DomainError {
  constructor() {
    super('REFUND_NOT_ALLOWED', 'A refund for this reservation is already in progress');
  }
}

/**
 * The reconciler settled (SUCCESS or FAILED) a PENDING refund whose process had died; emitted after
 * commit. The refund module closes the audit of an admin override that was interrupted this way.
 */
export class RefundResumed {
  static readonly event = 'checkout.refund-resumed';
  constructor(readonly reservationId: number) {}
}

/** Who may refund what: the caller's rules, applied by `refundItems` under the order's lock. */
export interface RefundRules<T> {
  /**
   * The items to refund (refuse with a DomainError), or 'ALREADY_REFUNDED' when there is nothing left to do
   * and that is no error (nothing is sent).
   */
  select(locked: Locked): ReservationRow[] | 'ALREADY_REFUNDED';
  /** Also in the transaction that records the PENDING refunds (the admin override notes its call there). */
  withIntents?(em: EntityManager, items: ReservationRow[]): Promise<void>;
  /** Also in the transaction that records the refunds' SUCCESS (the admin override's SUCCESS audit rows). */
  withSuccess?(em: EntityManager, refunded: ReservationRow[]): Promise<T>;
  /** Before each gateway call, outside any transaction (a show cancellation waits for its pace here). */
  beforeCall?(): Promise<void>;
  /**
   * Several orders at once (a show cancellation's batch): an order with another refund between its steps
   * is left out and named in `busyOrders`, instead of refusing the whole call with RefundInProgress.
   */
  leaveBusyOrders?: boolean;
}

/** What became of each item's refund, and what `withSuccess` returned. */
export interface ItemRefunds<T> {
  refunded: { item: ReservationRow; refund: LedgerRow }[];
  failed: { item: ReservationRow; refund: LedgerRow }[];
  /** With `leaveBusyOrders`: the orders left out (another refund of one of their items is in flight). */
  busyOrders: number[];
  extra?: T;
}

/**
 * The money side of refunds, per item, run by the step runner like every money movement: under the order's
 * lock apply the caller's rules and record one PENDING REFUND row per item, for exactly the amount the item
 * was sold for (or find the SUCCESS one of an earlier refund); commit; ask the gateway once per item; under
 * the lock again record each outcome and, on SUCCESS, move a CONFIRMED item to REFUNDED in the same
 * transaction (the order follows its items). The database allows one refund in flight or done per item, so
 * nothing is refunded twice. User refunds, admin overrides, the compensation of a capture that bought
 * nothing and the reconciler's resumption all come through here.
 */
@Injectable()
export class RefundPayments {
  private readonly logger = new Logger(RefundPayments.name);

  constructor(
    private readonly runner: CheckoutStepRunner,
    private readonly ledger: LedgerRepository,
    private readonly orders: OrderTransitions,
    private readonly gateway: GatewayCalls,
    private readonly events: EventEmitter2,
  ) {}

  /**
   * Refunds the items `rules` select. Undefined when the rules say it is already done. A refund the gateway
   * refused or could not take is left FAILED (committed) and listed in `failed`; `orFail` turns that into
   * the caller's PAYMENT_GATEWAY_ERROR.
   */
  async refundItems<T>(target: StepTarget, rules: RefundRules<T>): Promise<ItemRefunds<T> | undefined> {
    let payments = new Map<number, LedgerRow>();
    let busyOrders: number[] = [];
    return this.runner.run<ItemRefunds<T> | undefined>({
      target,
      begin: async (locked) => {
        const items = rules.select(locked);
        if (items === 'ALREADY_REFUNDED') return { answer: undefined };
        payments = await this.paymentsOf(locked, items);
        const intended = await this.intend(locked, items, payments, rules.leaveBusyOrders);
        busyOrders = intended.busyOrders;
        if (intended.items.length === 0) return { answer: { refunded: [], failed: [], busyOrders } };
        await rules.withIntents?.(locked.em, intended.items);
        return { intents: intended.intents };
      },
      call: async (refund) => {
        await rules.beforeCall?.();
        return this.gateway.refund(refund, payments.get(refund.orderId!)!);
      },
      finish: (locked, recorded) => this.finish(locked, recorded, rules, busyOrders),
    });
  }

  /** A refund whose items did not all succeed answers PAYMENT_GATEWAY_ERROR (after commit; retry later). */
  orFail<T>(done: ItemRefunds<T> | undefined): ItemRefunds<T> | undefined {
    if (!done?.failed.length) return done;
    throw new DomainError('PAYMENT_GATEWAY_ERROR', 'The payment gateway could not refund; retry later');
  }

  /**
   * Gives back a capture that bought no ticket (the order is EXPIRED or CANCELLED: nothing to move): every
   * item's amount, one refund per item, so an item is never refunded twice whatever else refunds it.
   */
  async compensate(orderId: number): Promise<LedgerRow[]> {
    const done = this.orFail(await this.refundItems({ orderId }, { select: (locked) => locked.items }));
    return done!.refunded.map((r) => r.refund);
  }

  /**
   * Finishes a PENDING refund whose process died (the reconciler calls this), from the gateway call on, with
   * the same row, so a refund the gateway already made is not made twice (its idempotency key at the gateway
   * is derived from the item).
   */
  async resume(refund: LedgerRow): Promise<void> {
    const payment = await this.ledger.successfulPayment(refund.orderId!);
    if (!payment) throw new DomainError('REFUND_NOT_ALLOWED', 'Nothing was paid for this order');
    const step: MoneyStep<ItemRefunds<never>> = {
      target: { orderId: refund.orderId! },
      begin: () => Promise.reject(new Error('a resumed refund has begun already')),
      call: (row) => this.gateway.refund(row, payment),
      finish: (locked, recorded) => this.finish(locked, recorded, { select: () => [] }),
    };
    try {
      this.orFail(await this.runner.resume(step, [refund]));
    } finally {
      await this.events.emitAsync(RefundResumed.event, new RefundResumed(refund.reservationId!));
    }
  }

  /** The captured payment of each order the items belong to, by order; none at all refuses the refund. */
  private async paymentsOf(locked: Locked, items: ReservationRow[]): Promise<Map<number, LedgerRow>> {
    const orderIds = [...new Set(items.map((i) => i.orderId))];
    const payments = await this.ledger.successfulPayments(orderIds, locked.em);
    if (payments.length < orderIds.length)
      throw new DomainError('REFUND_NOT_ALLOWED', 'Nothing was paid for this order');
    return new Map(payments.map((p) => [p.orderId!, p]));
  }

  /**
   * Under the locks: one refund in flight or done per item (a unique index). Another call's PENDING refund
   * is visible here because the caller holds the orders' locks: it refuses the call, or with
   * `leaveBusyOrders` leaves that item's order out. An item refunded already keeps its SUCCESS row as its
   * intent; the others get a new PENDING row each, for exactly the amount the item was sold for.
   */
  private async intend(
    locked: Locked,
    items: ReservationRow[],
    payments: Map<number, LedgerRow>,
    leaveBusyOrders = false,
  ): Promise<{ items: ReservationRow[]; intents: LedgerRow[]; busyOrders: number[] }> {
    const live = await this.ledger.liveRefunds(
      items.map((i) => i.id),
      locked.em,
    );
    const busy = new Set(live.filter((r) => r.status === 'PENDING').map((r) => r.orderId!));
    if (busy.size > 0 && !leaveBusyOrders) throw new RefundInProgress();
    const going = items.filter((i) => !busy.has(i.orderId));
    const done = new Map(live.map((r) => [r.reservationId!, r]));
    const fresh = await this.runner.intendMany(
      locked,
      going
        .filter((item) => !done.has(item.id))
        .map((item) => {
          const payment = payments.get(item.orderId)!;
          return {
            userId: payment.userId,
            orderId: item.orderId,
            reservationId: item.id,
            type: 'REFUND' as const,
            paymentMethod: payment.paymentMethod,
            paymentProvider: payment.paymentProvider, // refunded by whoever captured it (PaymentGateways)
            amount: item.amount,
            idempotencyKey: `refund-${item.id}-${randomUUID()}`,
          };
        }),
    );
    const made = new Map(fresh.map((r) => [r.reservationId!, r]));
    return {
      items: going,
      intents: going.map((item) => done.get(item.id) ?? made.get(item.id)!),
      busyOrders: [...busy],
    };
  }

  /**
   * The outcomes are recorded: each CONFIRMED item whose refund succeeded becomes REFUNDED in this
   * transaction (an EXPIRED or CANCELLED one stays: that refund was a compensation). A FAILED refund commits
   * as FAILED.
   */
  private async finish<T>(
    locked: Locked,
    recorded: Recorded[],
    rules: RefundRules<T>,
    busyOrders: number[] = [],
  ): Promise<ItemRefunds<T>> {
    const done: ItemRefunds<T> = { refunded: [], failed: [], busyOrders };
    for (const { row } of recorded) {
      const item = locked.items.find((i) => i.id === row.reservationId)!;
      if (row.status !== 'SUCCESS') {
        this.logger.warn(
          { reservationId: item.id, refundId: row.id, failure: row.failureReason },
          'refund failed',
        );
        done.failed.push({ item, refund: row });
        continue;
      }
      done.refunded.push({ item, refund: row });
    }
    // The CONFIRMED ones become REFUNDED in one statement (each order follows: PARTIALLY_REFUNDED or REFUNDED).
    const tickets = done.refunded.map(({ item }) => item).filter((item) => item.status === 'CONFIRMED');
    if (tickets.length)
      await this.orders.move(
        locked.em,
        [...new Set(tickets.map((i) => i.orderId))],
        'refund',
        tickets.map((i) => i.id),
      );
    if (done.refunded.length)
      done.extra = await rules.withSuccess?.(
        locked.em,
        done.refunded.map((r) => r.item),
      );
    return done;
  }
}
