import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { LedgerRepository, LedgerRow } from '../payment/ledger/ledger.repository';
import type { ReservationRow } from '../reservation/reservation.repository';
import { ReservationTransitions } from '../reservation/reservation-transitions.service';
import { CheckoutStepRunner, Locked, MoneyStep, Recorded } from './steps/checkout-step-runner';
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

/** Who may refund what: the caller's rules, applied by `refundTicket` under the reservation's lock. */
export interface RefundRules<T> {
  /** Refuse (throw a DomainError), or say the ticket is already refunded (nothing is sent, no error). */
  check(row: ReservationRow | undefined): 'REFUND' | 'ALREADY_REFUNDED';
  /** Also in the transaction that records the PENDING refund (the admin override notes its call there). */
  withIntent?(em: EntityManager): Promise<void>;
  /** Also in the transaction that records the refund's SUCCESS (the admin override's SUCCESS audit row). */
  withSuccess?(em: EntityManager): Promise<T>;
}

/** A refund that happened: its SUCCESS row and what `withSuccess` returned. */
export interface Refunded<T> {
  refund: LedgerRow;
  extra?: T;
}

/**
 * The money side of refunds, run by the step runner like every money movement: under the reservation's lock
 * check the caller's rules and record a PENDING REFUND row for the captured payment (or find the SUCCESS one
 * of an earlier refund); commit; ask the gateway; under the lock again record the outcome and, on SUCCESS,
 * move a CONFIRMED ticket to REFUNDED in the same transaction. The database allows one refund in flight or
 * done per reservation, so nothing is refunded twice. User refunds, admin overrides, the compensation of a
 * capture that bought nothing and the reconciler's resumption all come through here.
 */
@Injectable()
export class RefundPayments {
  private readonly logger = new Logger(RefundPayments.name);

  constructor(
    private readonly runner: CheckoutStepRunner,
    private readonly ledger: LedgerRepository,
    private readonly transitions: ReservationTransitions,
    private readonly gateway: GatewayCalls,
    private readonly events: EventEmitter2,
  ) {}

  /**
   * Refunds the reservation's captured payment under `rules`. Undefined when the rules say it is already
   * refunded; PAYMENT_GATEWAY_ERROR (after the FAILED row committed) when the gateway refused or was away.
   */
  async refundTicket<T>(reservationId: number, rules: RefundRules<T>): Promise<Refunded<T> | undefined> {
    let payment: LedgerRow | undefined;
    const done = await this.runner.run<Refunded<T> | undefined>({
      reservationId,
      begin: async (locked) => {
        if (rules.check(locked.reservation) === 'ALREADY_REFUNDED') return { answer: undefined };
        const intent = await this.intend(locked);
        payment = intent.payment;
        await rules.withIntent?.(locked.em);
        return { intent: intent.refund };
      },
      call: (refund) => this.gateway.refund(refund, payment!),
      finish: (locked, recorded) => this.finish(locked, recorded, rules),
    });
    return done && this.answered(done);
  }

  /** Gives back a capture that bought no ticket (the reservation is EXPIRED or CANCELLED: nothing to move). */
  async compensate(reservationId: number): Promise<LedgerRow> {
    return (await this.refundTicket(reservationId, { check: () => 'REFUND' }))!.refund;
  }

  /**
   * Finishes a PENDING refund whose process died (the reconciler calls this), from the gateway call on, with
   * the same row and idempotency key, so a refund the gateway already made is not made twice.
   */
  async resume(refund: LedgerRow): Promise<void> {
    const id = refund.reservationId!;
    const payment = await this.ledger.successfulPayment(id);
    if (!payment) throw new DomainError('REFUND_NOT_ALLOWED', 'Nothing was paid for this reservation');
    const step: MoneyStep<Refunded<never>> = {
      reservationId: id,
      begin: () => Promise.reject(new Error('a resumed refund has begun already')),
      call: (row) => this.gateway.refund(row, payment),
      finish: (locked, recorded) => this.finish(locked, recorded, { check: () => 'REFUND' }),
    };
    try {
      this.answered((await this.runner.resume(step, refund))!);
    } finally {
      await this.events.emitAsync(RefundResumed.event, new RefundResumed(id));
    }
  }

  /**
   * Under the lock: one refund in flight or done per reservation (a unique index). Another call's PENDING
   * refund is visible here because the caller holds the reservation's lock.
   */
  private async intend(locked: Locked): Promise<{ refund: LedgerRow; payment?: LedgerRow }> {
    const existing = await this.ledger.liveRefund(locked.reservationId, locked.em);
    if (existing?.status === 'SUCCESS') return { refund: existing };
    if (existing) throw new RefundInProgress();
    const payment = await this.ledger.successfulPayment(locked.reservationId, locked.em);
    if (!payment) throw new DomainError('REFUND_NOT_ALLOWED', 'Nothing was paid for this reservation');
    const refund = await this.runner.intend(locked, {
      userId: payment.userId,
      reservationId: locked.reservationId,
      type: 'REFUND',
      paymentMethod: payment.paymentMethod,
      paymentProvider: payment.paymentProvider, // refunded by whoever captured it (PaymentGateways)
      amount: payment.amount,
      idempotencyKey: `refund-${locked.reservationId}-${randomUUID()}`,
    });
    return { refund, payment };
  }

  /**
   * The outcome is recorded: on SUCCESS a CONFIRMED ticket becomes REFUNDED in this transaction (an EXPIRED
   * or CANCELLED one stays: that refund was a compensation). A FAILED refund commits as FAILED (see
   * `answered`).
   */
  private async finish<T>(locked: Locked, { row }: Recorded, rules: RefundRules<T>): Promise<Refunded<T>> {
    if (row.status !== 'SUCCESS') return { refund: row };
    if (locked.reservation?.status === 'CONFIRMED') {
      await this.transitions.move(locked.em, locked.reservationId, 'refund');
    }
    return { refund: row, extra: await rules.withSuccess?.(locked.em) };
  }

  /** After commit: a refund the gateway refused or could not take answers PAYMENT_GATEWAY_ERROR (retry later). */
  private answered<T>(done: Refunded<T>): Refunded<T> {
    if (done.refund.status === 'SUCCESS') return done;
    this.logger.warn(
      {
        reservationId: done.refund.reservationId,
        refundId: done.refund.id,
        failure: done.refund.failureReason,
      },
      'refund failed',
    );
    throw new DomainError('PAYMENT_GATEWAY_ERROR', 'The payment gateway could not refund; retry later');
  }
}
