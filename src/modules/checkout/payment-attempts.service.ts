import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PaymentMethodCode } from '../payment/gateway/payment-gateway.port';
import { LedgerRepository, LedgerRow } from '../payment/ledger/ledger.repository';
import { CheckoutStepRunner, Locked } from './steps/checkout-step-runner';
import { GatewayCalls } from './steps/gateway-calls';

/**
 * Payment attempts: one per order in flight or paid (a unique index), each a PENDING ledger row recorded
 * under the order's lock and committed before the gateway is called; the step runner settles it after the
 * gateway answers.
 */
@Injectable()
export class PaymentAttempts {
  constructor(
    private readonly ledger: LedgerRepository,
    private readonly runner: CheckoutStepRunner,
    private readonly gateway: GatewayCalls,
  ) {}

  /** The attempt that blocks a new one: in flight (PENDING) or already paid (SUCCESS). */
  liveAttempt(locked: Locked): Promise<LedgerRow | undefined> {
    return this.ledger.livePayment(locked.orderId!, locked.em);
  }

  /** The order's captured payment, if any (at most one: a unique index guarantees it). */
  captured(locked: Locked): Promise<LedgerRow | undefined> {
    return this.ledger.successfulPayment(locked.orderId!, locked.em);
  }

  /**
   * A new attempt for the whole order (`totalAmount`). It names the reservation too when the order has one
   * seat, so a v7 reservation's ledger reads as it did before orders.
   */
  start(locked: Locked, method: PaymentMethodCode): Promise<LedgerRow> {
    const order = locked.order!;
    return this.runner.intend(locked, {
      userId: order.userId,
      reservationId: order.seatCount === 1 ? locked.items[0].id : null,
      type: 'PAYMENT',
      paymentMethod: method,
      paymentProvider: this.gateway.provider,
      amount: order.totalAmount,
      idempotencyKey: `pay-order-${order.id}-${randomUUID()}`,
    });
  }

  /** An item's ledger: its order's attempts and its own refunds, oldest first. */
  listForItem(orderId: number, reservationId: number) {
    return this.ledger.listForItem(orderId, reservationId);
  }

  /** An order's ledger, oldest first. */
  listForOrder(orderId: number) {
    return this.ledger.listForOrder(orderId);
  }
}
