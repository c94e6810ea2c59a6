import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { isUniqueViolation } from '../../database/pg-errors';
import { inTransaction } from '../../database/transaction';
import { PAYMENT_GATEWAY, PaymentGateway, PaymentGatewayError } from './gateway/payment-gateway.port';
import { LedgerRepository, LedgerRow } from './ledger.repository';

export interface RefundHooks {
  /** Runs first, in the transaction that records the PENDING refund (lock and check the reservation). */
  precheck?: (em: EntityManager) => Promise<void>;
  /**
   * Runs in the transaction that records the SUCCESS refund (move the reservation), and again whenever a
   * later call finds the refund already SUCCESS, so it must be idempotent.
   */
  onSuccess?: (em: EntityManager) => Promise<void>;
}

/**
 * Gives back a reservation's captured payment through the gateway: record a PENDING REFUND row and
 * commit, call the gateway outside any transaction, then settle the row. The database allows one refund
 * in flight or done per reservation, so nothing is ever refunded twice.
 */
@Injectable()
export class PaymentRefunder {
  private readonly logger = new Logger(PaymentRefunder.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: LedgerRepository,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  /** Refunds the captured payment; returns the SUCCESS refund row (an existing one if already refunded). */
  async refund(reservationId: number, hooks: RefundHooks = {}): Promise<LedgerRow> {
    const started = await this.start(reservationId, hooks);
    if (started.status === 'SUCCESS') return started.refund;
    return this.complete(reservationId, started.refund, started.payment, hooks);
  }

  /**
   * Finishes a refund whose PENDING row was recorded by a process that then died (the reconciler calls
   * this): the gateway is called again with the same row and idempotency key, so a refund it already made
   * is not made twice.
   */
  async resume(refund: LedgerRow, hooks: RefundHooks = {}): Promise<LedgerRow> {
    const payment = await this.ledger.successfulPayment(refund.reservationId!);
    if (!payment) throw new DomainError('REFUND_NOT_ALLOWED', 'Nothing was paid for this reservation');
    return this.complete(refund.reservationId!, refund, payment, hooks);
  }

  /** Calls the gateway for the committed PENDING refund row, then settles it (no transaction held meanwhile). */
  private async complete(
    reservationId: number,
    refund: LedgerRow,
    payment: LedgerRow,
    hooks: RefundHooks,
  ): Promise<LedgerRow> {
    let failure: string | undefined;
    let providerTransactionId: string | undefined;
    try {
      const result = await this.gateway.refund({
        transactionId: refund.id,
        idempotencyKey: refund.idempotencyKey,
        userId: refund.userId,
        reservationId,
        amount: refund.amount,
        paymentProviderTransactionId: payment.providerTransactionId,
      });
      if (result.status === 'FAILED') failure = result.failureReason;
      else providerTransactionId = result.providerTransactionId;
    } catch (err) {
      if (!(err instanceof PaymentGatewayError)) throw err;
      failure = `PAYMENT_GATEWAY_ERROR: ${err.message}`;
    }

    if (failure !== undefined) {
      await inTransaction(this.dataSource, (em) =>
        this.ledger.settle(em, refund.id, { status: 'FAILED', failureReason: failure }),
      );
      this.logger.warn({ reservationId, refundId: refund.id, failure }, 'refund failed');
      throw new DomainError('PAYMENT_GATEWAY_ERROR', 'The payment gateway could not refund; retry later');
    }
    return inTransaction(this.dataSource, async (em) => {
      // onSuccess first: it locks the reservation, and so does every precheck before it inserts a refund
      // row. Settling first would put an uncommitted entry in the one-refund index that such an insert
      // waits on, while we wait for its reservation lock: a deadlock under parallel refund calls.
      await hooks.onSuccess?.(em);
      return (
        (await this.ledger.settle(em, refund.id, { status: 'SUCCESS', providerTransactionId })) ??
        (await this.ledger.findById(refund.id, em))!
      );
    });
  }

  private async start(reservationId: number, hooks: RefundHooks) {
    try {
      return await inTransaction(this.dataSource, async (em) => {
        await hooks.precheck?.(em);
        const done = await this.ledger.successfulRefund(reservationId, em);
        if (done) {
          // Already refunded. Re-run onSuccess (idempotent: a guarded transition) in case the move that
          // should have committed with the SUCCESS row did not (a provider that settles the row itself).
          await hooks.onSuccess?.(em);
          return { status: 'SUCCESS' as const, refund: done };
        }
        const payment = await this.ledger.successfulPayment(reservationId, em);
        if (!payment) throw new DomainError('REFUND_NOT_ALLOWED', 'Nothing was paid for this reservation');
        const refund = await this.ledger.insertPending(em, {
          userId: payment.userId,
          reservationId,
          type: 'REFUND',
          paymentMethod: payment.paymentMethod,
          paymentProvider: this.gateway.provider,
          amount: payment.amount,
          idempotencyKey: `refund-${reservationId}-${randomUUID()}`,
        });
        return { status: 'PENDING' as const, refund, payment };
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new DomainError('REFUND_NOT_ALLOWED', 'A refund for this reservation is already in progress');
      }
      throw err;
    }
  }
}
