import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PaymentMethodCode } from '../payment/gateway/payment-gateway.port';
import { LedgerRepository, LedgerRow } from '../payment/ledger/ledger.repository';
import { CheckoutStepRunner, Locked } from './steps/checkout-step-runner';
import { GatewayCalls } from './steps/gateway-calls';

/**
 * Payment attempts: one PENDING ledger row per attempt, recorded under the reservation's lock and committed
 * before the gateway is called; the step runner settles it after the gateway answers.
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
    return this.ledger.livePayment(locked.reservationId, locked.em);
  }

  /** The reservation's captured payment, if any (at most one: a unique index guarantees it). */
  captured(locked: Locked): Promise<LedgerRow | undefined> {
    return this.ledger.successfulPayment(locked.reservationId, locked.em);
  }

  start(
    locked: Locked,
    a: { userId: number; amount: number; method: PaymentMethodCode },
  ): Promise<LedgerRow> {
    return this.runner.intend(locked, {
      userId: a.userId,
      reservationId: locked.reservationId,
      type: 'PAYMENT',
      paymentMethod: a.method,
      paymentProvider: this.gateway.provider,
      amount: a.amount,
      idempotencyKey: `pay-${locked.reservationId}-${randomUUID()}`,
    });
  }

  listForReservation(reservationId: number) {
    return this.ledger.listForReservation(reservationId);
  }
}
