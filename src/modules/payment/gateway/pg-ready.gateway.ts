import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import {
  ChargeRequest,
  ChargeResult,
  PaymentGateway,
  RefundRequest,
  RefundResult,
} from './payment-gateway.port';

/**
 * An external PG that confirms asynchronously: every attempt stays PENDING until the signed webhook
 * settles it. With PG_READY_LIVE=true the customer is sent to the PG's checkout page (REDIRECT).
 * Refunds are answered synchronously, as the contract states.
 */
export class PgReadyPaymentGateway implements PaymentGateway {
  readonly provider = 'pg-ready' as const;
  readonly mode;
  readonly supportedMethods = ['CARD', 'KAKAOPAY', 'NAVERPAY'] as const;
  readonly availableByDefault = ['CARD'] as const;
  readonly acceptsMockOutcome = false;

  constructor(private readonly config: AppConfig) {
    this.mode = config.pgReadyLive ? ('PG_EXTERNAL_LIVE' as const) : ('PG_WEBHOOK_READY' as const);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const providerTransactionId = `pg_${request.idempotencyKey}`;
    if (!this.config.pgReadyLive) return { status: 'PENDING', providerTransactionId };
    const url = new URL(this.config.pgReadyCheckoutBaseUrl);
    url.searchParams.set('paymentTransactionId', String(request.transactionId));
    url.searchParams.set('reservationId', String(request.reservationId));
    url.searchParams.set('amount', String(request.amount));
    return { status: 'PENDING', providerTransactionId, redirectUrl: url.toString() };
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    return { status: 'SUCCESS', providerTransactionId: `pg_refund_${request.idempotencyKey}` };
  }

  /** The money moved at the gateway: nothing to do in our transaction. */
  async commitCharge(
    _em: EntityManager,
    _request: ChargeRequest,
    result: ChargeResult,
  ): Promise<ChargeResult> {
    return result;
  }

  async commitRefund(
    _em: EntityManager,
    _request: RefundRequest,
    result: RefundResult,
  ): Promise<RefundResult> {
    return result;
  }
}
