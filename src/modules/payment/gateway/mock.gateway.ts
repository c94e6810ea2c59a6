import { SETTLED_AT_GATEWAY } from './card-gateway';
import { AppConfig } from '../../../config/app-config';
import {
  ChargeRequest,
  ChargeResult,
  InquiryRequest,
  InquiryResult,
  PaymentGateway,
  PaymentGatewayError,
  RefundRequest,
  RefundResult,
} from './payment-gateway.port';

/**
 * Card simulation: the outcome comes from MOCK_PAYMENT_OUTCOME, or from the confirm call's mockOutcome.
 * Refunds follow MOCK_REFUND_OUTCOME: `fail` refuses every one as a gateway error (nothing captured).
 */
export class MockPaymentGateway implements PaymentGateway {
  readonly provider = 'mock' as const;
  readonly mode = 'CARD_MOCK_SIMULATION' as const;
  readonly supportedMethods = ['CARD', 'KAKAOPAY', 'NAVERPAY'] as const;
  readonly availableByDefault = ['CARD'] as const;
  readonly acceptsMockOutcome = true;

  constructor(private readonly config: AppConfig) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const outcome = request.mockOutcome ?? this.config.mockPaymentOutcome;
    const providerTransactionId = `mock_${request.idempotencyKey}`;
    if (outcome === 'approve') return { status: 'SUCCESS', providerTransactionId };
    if (outcome === 'pending') return { status: 'PENDING', providerTransactionId };
    return { status: 'FAILED', providerTransactionId, failureReason: 'CARD_DECLINED (mock)' };
  }

  /**
   * The simulation keeps no memory of what it answered (the per-call mockOutcome is not stored), and no
   * real money exists behind it, so an attempt whose answer was never recorded counts as never captured.
   */
  async inquire(request: InquiryRequest): Promise<InquiryResult> {
    return {
      status: 'FAILED',
      providerTransactionId: `mock_${request.idempotencyKey}`,
      failureReason: 'ABANDONED: outcome never recorded (mock keeps no record)',
    };
  }

  /** The reference derives from the request's idempotency key, as a real gateway's repeat answer would. */
  async refund(request: RefundRequest): Promise<RefundResult> {
    if (this.config.mockRefundOutcome === 'fail')
      throw new PaymentGatewayError('refund refused (MOCK_REFUND_OUTCOME=fail)');
    return { status: 'SUCCESS', providerTransactionId: `mock_refund_${request.idempotencyKey}` };
  }

  readonly commitCharge = SETTLED_AT_GATEWAY.commitCharge;
  readonly commitRefund = SETTLED_AT_GATEWAY.commitRefund;
}
