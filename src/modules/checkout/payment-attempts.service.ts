import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { MockOutcome } from '../../config/app-config';
import {
  ChargeRequest,
  ChargeResult,
  InquiryResult,
  PAYMENT_GATEWAY,
  PAYMENT_GATEWAYS,
  PaymentGateway,
  PaymentGatewayError,
  PaymentGateways,
  PaymentMethodCode,
} from '../payment/gateway/payment-gateway.port';
import { LedgerRepository, LedgerRow } from '../payment/ledger/ledger.repository';

export type ChargeOutcome = ChargeResult & { gatewayError?: boolean };

/**
 * Payment attempts: one PENDING ledger row per attempt, committed before the gateway is called, settled
 * after it answers. Callers own the transactions; `charge` and `inquire` must be called outside any.
 */
@Injectable()
export class PaymentAttempts {
  private readonly logger = new Logger(PaymentAttempts.name);

  constructor(
    private readonly ledger: LedgerRepository,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(PAYMENT_GATEWAYS) private readonly gateways: PaymentGateways,
  ) {}

  get provider(): string {
    return this.gateway.provider;
  }

  /** Every provider's name: attempts left open by a provider configured before are still reconciled. */
  get providers(): readonly string[] {
    return this.gateways.names;
  }

  /** The attempt that blocks a new one: in flight (PENDING) or already paid (SUCCESS). */
  liveAttempt(em: EntityManager, reservationId: number): Promise<LedgerRow | undefined> {
    return this.ledger.livePayment(reservationId, em);
  }

  /** The reservation's captured payment, if any (at most one: a unique index guarantees it). */
  captured(em: EntityManager, reservationId: number): Promise<LedgerRow | undefined> {
    return this.ledger.successfulPayment(reservationId, em);
  }

  start(
    em: EntityManager,
    a: { userId: number; reservationId: number; amount: number; method: PaymentMethodCode },
  ): Promise<LedgerRow> {
    return this.ledger.insert(em, {
      userId: a.userId,
      reservationId: a.reservationId,
      type: 'PAYMENT',
      paymentMethod: a.method,
      paymentProvider: this.gateway.provider,
      amount: a.amount,
      idempotencyKey: `pay-${a.reservationId}-${randomUUID()}`,
    });
  }

  /** Whether the provider can charge inside a database transaction (`chargeWithin`): its money is ours. */
  get chargesInDatabase(): boolean {
    return this.gateway.chargeWithin !== undefined;
  }

  /** Charges in the caller's transaction (only when `chargesInDatabase`: no network I/O). */
  chargeWithin(em: EntityManager, attempt: LedgerRow): Promise<ChargeOutcome> {
    return this.gateway.chargeWithin!(em, chargeRequest(attempt));
  }

  /** Calls the gateway once. A PaymentGatewayError becomes a FAILED outcome marked `gatewayError`. */
  async charge(attempt: LedgerRow, mockOutcome?: MockOutcome): Promise<ChargeOutcome> {
    try {
      return await this.gateway.charge({ ...chargeRequest(attempt), mockOutcome });
    } catch (err) {
      if (!(err instanceof PaymentGatewayError)) throw err;
      this.logger.warn({ attemptId: attempt.id, err: err.message }, 'payment gateway error');
      return { status: 'FAILED', failureReason: `PAYMENT_GATEWAY_ERROR: ${err.message}`, gatewayError: true };
    }
  }

  /**
   * What became of an attempt whose answer was never recorded (the reconciler asks); undefined when the
   * provider cannot say (no `inquire`: its webhook settles it) or did not answer.
   */
  async inquire(attempt: LedgerRow): Promise<InquiryResult | undefined> {
    const gateway = this.gateways.of(attempt.paymentProvider);
    if (!gateway.inquire) return undefined;
    return gateway
      .inquire({
        transactionId: attempt.id,
        idempotencyKey: attempt.idempotencyKey,
        userId: attempt.userId,
        reservationId: attempt.reservationId!,
        amount: attempt.amount,
      })
      .catch((err: unknown) => {
        this.logger.warn({ attemptId: attempt.id, err: String(err) }, 'gateway inquiry failed');
        return undefined;
      });
  }

  /**
   * Records the gateway's answer on the attempt, unless the row is already settled (by a webhook, the
   * reconciler, or the provider itself in the same transaction as moving the money): then that outcome
   * stands. Returns the row as it now stands, and whether this call settled it.
   */
  async record(
    em: EntityManager,
    attempt: LedgerRow,
    outcome: ChargeResult,
  ): Promise<{ row: LedgerRow; settledNow: boolean }> {
    const settled = await this.ledger.settle(em, attempt.id, {
      status: outcome.status,
      providerTransactionId: outcome.providerTransactionId,
      failureReason: outcome.status === 'FAILED' ? outcome.failureReason : null,
      redirectUrl: outcome.status === 'PENDING' ? outcome.redirectUrl : null,
    });
    if (settled) return { row: settled, settledNow: true };
    return { row: (await this.ledger.findById(attempt.id, em))!, settledNow: false };
  }

  listForReservation(reservationId: number) {
    return this.ledger.listForReservation(reservationId);
  }
}

const chargeRequest = (attempt: LedgerRow): ChargeRequest => ({
  transactionId: attempt.id,
  idempotencyKey: attempt.idempotencyKey,
  userId: attempt.userId,
  reservationId: attempt.reservationId!,
  amount: attempt.amount,
  paymentMethod: attempt.paymentMethod as PaymentMethodCode,
});
