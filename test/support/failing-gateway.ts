import { loadConfig } from '../../src/config/app-config';
import { MockPaymentGateway } from '../../src/modules/payment/gateway/mock.gateway';
import {
  ChargeRequest,
  ChargeResult,
  PaymentGateway,
  PaymentGatewayError,
  RefundRequest,
  RefundResult,
} from '../../src/modules/payment/gateway/payment-gateway.port';
import { BASE_TEST_ENV } from './test-app';

/** What the next refunds do: behave like the mock, be unreachable (throw), or be declined (FAILED). */
export type RefundBehaviour = 'ok' | 'throw' | 'decline';

/**
 * A test gateway that behaves like the approving mock provider until a test switches its refunds to fail.
 * It counts refund calls, and `beforeRefundAnswer` lets a test act between the gateway call and the
 * transaction that records its outcome.
 */
export class FailingGateway implements PaymentGateway {
  readonly provider: PaymentGateway['provider'];
  readonly mode: PaymentGateway['mode'];
  readonly supportedMethods: PaymentGateway['supportedMethods'];
  readonly availableByDefault: PaymentGateway['availableByDefault'];
  readonly acceptsMockOutcome: boolean;

  refundBehaviour: RefundBehaviour = 'ok';
  refundCalls = 0;
  beforeRefundAnswer?: (request: RefundRequest) => Promise<void>;

  constructor(
    private readonly inner: PaymentGateway = new MockPaymentGateway(
      loadConfig({ ...BASE_TEST_ENV, MOCK_PAYMENT_OUTCOME: 'approve' }),
    ),
  ) {
    this.provider = inner.provider;
    this.mode = inner.mode;
    this.supportedMethods = inner.supportedMethods;
    this.availableByDefault = inner.availableByDefault;
    this.acceptsMockOutcome = inner.acceptsMockOutcome;
  }

  charge(request: ChargeRequest): Promise<ChargeResult> {
    return this.inner.charge(request);
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    this.refundCalls += 1;
    if (this.refundBehaviour === 'throw') throw new PaymentGatewayError('connection refused (test gateway)');
    if (this.refundBehaviour === 'decline')
      return { status: 'FAILED', failureReason: 'REFUND_DECLINED (test gateway)' };
    const result = await this.inner.refund(request);
    await this.beforeRefundAnswer?.(request);
    return result;
  }

  reset(): void {
    this.refundBehaviour = 'ok';
    this.refundCalls = 0;
    this.beforeRefundAnswer = undefined;
  }
}
