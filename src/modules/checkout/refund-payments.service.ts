import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { inTransaction } from '../../database/transaction';
import {
  PAYMENT_GATEWAYS,
  PaymentGatewayError,
  PaymentGateways,
} from '../payment/gateway/payment-gateway.port';
import { LedgerRepository, LedgerRow } from '../payment/ledger/ledger.repository';
import { ReservationTransitions } from '../reservation/reservation-transitions.service';

/** Another call's refund of this ticket is between its steps; its outcome is a few moments away. */
export class RefundInProgress extends DomainError {
  constructor() {
    super('REFUND_NOT_ALLOWED', 'A refund for this reservation is already in progress');
  }
}

/** Where step 1 left a refund: already done, or a PENDING row (committed with the caller's transaction). */
export type RefundStep =
  { done: true; refund: LedgerRow } | { done: false; refund: LedgerRow; payment: LedgerRow };

/**
 * The reconciler settled (SUCCESS or FAILED) a PENDING refund whose process had died; emitted after
 * commit. The refund module closes the audit of an admin override that was interrupted this way.
 */
export class RefundResumed {
  static readonly event = 'checkout.refund-resumed';
  constructor(readonly reservationId: number) {}
}

/**
 * The money side of refunds, as three steps that callers run in order, the way confirm does:
 * 1. `begin`, in the caller's transaction (after it locked and checked the reservation): record a PENDING
 *    REFUND row for the captured payment (or find the SUCCESS one of an earlier refund); commit;
 * 2. `send`, outside any transaction: ask the gateway;
 * 3. `settle`, in the caller's next transaction, after it locked the reservation again (and moved it):
 *    the row becomes SUCCESS.
 * The database allows one refund in flight or done per reservation, so nothing is refunded twice.
 */
@Injectable()
export class RefundPayments {
  private readonly logger = new Logger(RefundPayments.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: LedgerRepository,
    private readonly transitions: ReservationTransitions,
    private readonly events: EventEmitter2,
    @Inject(PAYMENT_GATEWAYS) private readonly gateways: PaymentGateways,
  ) {}

  /** Step 1. The caller holds the reservation's lock, so another refund's PENDING row is visible here. */
  async begin(em: EntityManager, reservationId: number): Promise<RefundStep> {
    const existing = await this.ledger.liveRefund(reservationId, em);
    if (existing?.status === 'SUCCESS') return { done: true, refund: existing };
    if (existing) throw new RefundInProgress();
    const payment = await this.ledger.successfulPayment(reservationId, em);
    if (!payment) throw new DomainError('REFUND_NOT_ALLOWED', 'Nothing was paid for this reservation');
    const refund = await this.ledger.insert(em, {
      userId: payment.userId,
      reservationId,
      type: 'REFUND',
      paymentMethod: payment.paymentMethod,
      paymentProvider: payment.paymentProvider, // refunded by whoever captured it (PaymentGateways)
      amount: payment.amount,
      idempotencyKey: `refund-${reservationId}-${randomUUID()}`,
    });
    return { done: false, refund, payment };
  }

  /**
   * Step 2: the gateway call (again with the same row and idempotency key when resumed, so a refund it
   * already made is not made twice). A refusal or an unreachable gateway settles the row FAILED and
   * answers PAYMENT_GATEWAY_ERROR; the caller may try again later. Returns the provider's reference.
   */
  async send({ refund, payment }: { refund: LedgerRow; payment: LedgerRow }): Promise<string> {
    let failure: string;
    try {
      const result = await this.gateways.of(refund.paymentProvider).refund({
        transactionId: refund.id,
        idempotencyKey: refund.idempotencyKey,
        userId: refund.userId,
        reservationId: refund.reservationId!,
        amount: refund.amount,
        paymentProviderTransactionId: payment.providerTransactionId,
      });
      if (result.status === 'SUCCESS') return result.providerTransactionId;
      failure = result.failureReason;
    } catch (err) {
      if (!(err instanceof PaymentGatewayError)) throw err;
      failure = `PAYMENT_GATEWAY_ERROR: ${err.message}`;
    }
    await inTransaction(this.dataSource, (em) =>
      this.ledger.settle(em, refund.id, { status: 'FAILED', failureReason: failure }),
    );
    this.logger.warn({ reservationId: refund.reservationId, refundId: refund.id, failure }, 'refund failed');
    throw new DomainError('PAYMENT_GATEWAY_ERROR', 'The payment gateway could not refund; retry later');
  }

  /**
   * Step 3, after the caller locked the reservation in this transaction: locking it before the ledger row
   * keeps the order every refund uses (parallel refunds would otherwise deadlock). A provider that settled
   * the row itself leaves it as it is.
   */
  async settle(em: EntityManager, refund: LedgerRow, providerTransactionId: string): Promise<LedgerRow> {
    return (
      (await this.ledger.settle(em, refund.id, { status: 'SUCCESS', providerTransactionId })) ??
      (await this.ledger.findById(refund.id, em))!
    );
  }

  /** Gives back a capture that bought no ticket (the reservation is EXPIRED or CANCELLED: nothing to move). */
  async compensate(reservationId: number): Promise<LedgerRow> {
    const step = await inTransaction(this.dataSource, async (em) => {
      await this.transitions.lock(em, reservationId);
      return this.begin(em, reservationId);
    });
    if (step.done) return step.refund;
    const reference = await this.send(step);
    return inTransaction(this.dataSource, async (em) => {
      await this.transitions.lock(em, reservationId);
      return this.settle(em, step.refund, reference);
    });
  }

  /**
   * Finishes a PENDING refund whose process died (the reconciler calls this): steps 2 and 3. A refund of a
   * CONFIRMED ticket also moves it to REFUNDED; on an EXPIRED/CANCELLED reservation it was a compensation.
   */
  async resume(refund: LedgerRow): Promise<void> {
    const id = refund.reservationId!;
    const payment = await this.ledger.successfulPayment(id);
    if (!payment) throw new DomainError('REFUND_NOT_ALLOWED', 'Nothing was paid for this reservation');
    let reference: string;
    try {
      reference = await this.send({ refund, payment });
    } catch (err) {
      if (err instanceof DomainError) await this.announce(id); // the refusal settled the row FAILED
      throw err;
    }
    await inTransaction(this.dataSource, async (em) => {
      const row = await this.transitions.lock(em, id);
      if (row?.status === 'CONFIRMED') await this.transitions.move(em, id, 'refund');
      await this.settle(em, refund, reference);
    });
    await this.announce(id);
  }

  private async announce(reservationId: number): Promise<void> {
    await this.events.emitAsync(RefundResumed.event, new RefundResumed(reservationId));
  }
}
