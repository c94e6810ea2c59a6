import { SETTLED_AT_GATEWAY } from './card-gateway';
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

  readonly commitCharge = SETTLED_AT_GATEWAY.commitCharge;
  readonly commitRefund = SETTLED_AT_GATEWAY.commitRefund;
}
