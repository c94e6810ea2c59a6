import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { MockOutcome } from '../../../config/app-config';
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
  RefundRequest,
  RefundResult,
} from '../../payment/gateway/payment-gateway.port';
import type { LedgerRow } from '../../payment/ledger/ledger.repository';

/**
 * A gateway's answer about a ledger row (a ChargeResult or RefundResult, or the PG's webhook verdict);
 * `gatewayError`: it could not be reached (nothing moved).
 */
export interface GatewayAnswer {
  status: 'SUCCESS' | 'FAILED' | 'PENDING';
  providerTransactionId?: string;
  failureReason?: string;
  redirectUrl?: string;
  balanceAfterAmount?: number;
  insufficientBalance?: boolean;
  gatewayError?: boolean;
}

/**
 * Every call to a payment gateway, by the ledger row it is about. New charges go to the configured
 * provider; refunds, inquiries and commits go to the provider that wrote the row (PaymentGateways), which
 * may be another since PAYMENT_PROVIDER changed. `charge`, `refund` and `inquire` are network calls: the
 * step runner makes them outside any transaction; `commit` runs inside the one that records the outcome.
 */
@Injectable()
export class GatewayCalls {
  private readonly logger = new Logger(GatewayCalls.name);

  constructor(
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(PAYMENT_GATEWAYS) private readonly gateways: PaymentGateways,
  ) {}

  /** Calls the gateway once. A PaymentGatewayError becomes a FAILED answer marked `gatewayError`. */
  charge(attempt: LedgerRow, mockOutcome?: MockOutcome): Promise<GatewayAnswer> {
    return this.guard(attempt, () =>
      this.gateways.of(attempt.paymentProvider).charge({ ...chargeRequest(attempt), mockOutcome }),
    );
  }

  /** Refunds `payment` (the captured attempt) as `refund` (its PENDING REFUND row) says. */
  refund(refund: LedgerRow, payment: LedgerRow): Promise<GatewayAnswer> {
    return this.guard(refund, () =>
      this.gateways.of(refund.paymentProvider).refund(refundRequest(refund, payment)),
    );
  }

  /**
   * What became of an attempt whose answer was never recorded (the reconciler asks); undefined when the
   * provider cannot say (no `inquire`: its webhook settles it) or did not answer.
   */
  async inquire(attempt: LedgerRow): Promise<InquiryResult | undefined> {
    const gateway = this.gateways.of(attempt.paymentProvider);
    if (!gateway.inquire) return undefined;
    return gateway.inquire(chargeRequest(attempt)).catch((err: unknown) => {
      this.logger.warn({ attemptId: attempt.id, err: String(err) }, 'gateway inquiry failed');
      return undefined;
    });
  }

  /**
   * In the transaction that records the outcome, `row` locked and PENDING: the provider's share of it (the
   * wallet moves its balance here). `payment` is the refunded capture, for a REFUND row.
   */
  async commit(em: EntityManager, row: LedgerRow, answer: GatewayAnswer): Promise<GatewayAnswer> {
    const gateway = this.gateways.of(row.paymentProvider);
    if (row.type === 'REFUND') {
      return gateway.commitRefund(em, refundRequest(row), answer as RefundResult);
    }
    return gateway.commitCharge(em, chargeRequest(row), answer as ChargeResult);
  }

  /** The configured provider's name (new attempts are stored under it). */
  get provider(): string {
    return this.gateway.provider;
  }

  /** Every provider's name: rows left open by a provider configured before are still reconciled. */
  get providers(): readonly string[] {
    return this.gateways.names;
  }

  private async guard(row: LedgerRow, call: () => Promise<GatewayAnswer>): Promise<GatewayAnswer> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof PaymentGatewayError)) throw err;
      this.logger.warn({ rowId: row.id, type: row.type, err: err.message }, 'payment gateway error');
      return { status: 'FAILED', failureReason: `PAYMENT_GATEWAY_ERROR: ${err.message}`, gatewayError: true };
    }
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

/**
 * The idempotency key a refund is sent with is derived from its item, the same on every attempt for that
 * item (a new ledger row after a FAILED one keeps it): a gateway that took a refund and then timed out is
 * asked again harmlessly. The ledger row's own key stays unique per row.
 */
const refundRequest = (refund: LedgerRow, payment?: LedgerRow): RefundRequest => ({
  transactionId: refund.id,
  idempotencyKey: refund.reservationId ? `refund-item-${refund.reservationId}` : refund.idempotencyKey,
  userId: refund.userId,
  reservationId: refund.reservationId!,
  amount: refund.amount,
  paymentProviderTransactionId: payment?.providerTransactionId ?? null,
});
