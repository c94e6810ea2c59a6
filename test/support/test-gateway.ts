import { SETTLED_AT_GATEWAY } from '../../src/modules/payment/gateway/card-gateway';
import {
  ChargeRequest,
  ChargeResult,
  PaymentGateway,
  PaymentGatewayError,
  RefundRequest,
  RefundResult,
} from '../../src/modules/payment/gateway/payment-gateway.port';

export type ScriptedCharge = 'approve' | 'decline' | 'pending' | 'unreachable';
/** What refunds do until the test changes it: succeed, be unreachable (throw), or be declined (FAILED). */
export type RefundBehaviour = 'ok' | 'unreachable' | 'decline';

/**
 * The one fake payment gateway of the tests: a card provider whose next charge answers the test scripts
 * (approve unless told otherwise), whose refunds can fail, and which lets a test act while "the network
 * call" is in flight (`duringCharge`) or between the refund and the recording of its answer
 * (`beforeRefundAnswer`, as a crash would). It passes for the mock provider, or for pg-ready where a
 * spec needs attempts the PG webhook may settle (the webhook settles only pg-ready's own attempts).
 */
export class TestGateway implements PaymentGateway {
  constructor(readonly provider: 'mock' | 'pg-ready' = 'mock') {}

  readonly mode = 'CARD_MOCK_SIMULATION' as const;
  readonly supportedMethods = ['CARD', 'KAKAOPAY', 'NAVERPAY'] as const;
  readonly availableByDefault = ['CARD'] as const;
  readonly acceptsMockOutcome = true;

  charges: ScriptedCharge[] = [];
  refundBehaviour: RefundBehaviour = 'ok';
  duringCharge?: (request: ChargeRequest) => Promise<void>;
  beforeRefundAnswer?: (request: RefundRequest) => Promise<void>;
  chargeCalls = 0;
  refundCalls = 0;

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    this.chargeCalls++;
    await this.duringCharge?.(request);
    const next = this.charges.shift() ?? outcomeOf(request.mockOutcome);
    const providerTransactionId = `test_${request.transactionId}`;
    if (next === 'unreachable') throw new PaymentGatewayError('connection refused (test gateway)');
    if (next === 'decline')
      return { status: 'FAILED', providerTransactionId, failureReason: 'DECLINED (test gateway)' };
    if (next === 'pending') return { status: 'PENDING', providerTransactionId };
    return { status: 'SUCCESS', providerTransactionId };
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    this.refundCalls++;
    if (this.refundBehaviour === 'unreachable')
      throw new PaymentGatewayError('connection refused (test gateway)');
    if (this.refundBehaviour === 'decline')
      return { status: 'FAILED', failureReason: 'REFUND_DECLINED (test gateway)' };
    await this.beforeRefundAnswer?.(request);
    return { status: 'SUCCESS', providerTransactionId: `test_refund_${request.transactionId}` };
  }

  readonly commitCharge = SETTLED_AT_GATEWAY.commitCharge;
  readonly commitRefund = SETTLED_AT_GATEWAY.commitRefund;

  reset(): void {
    this.charges = [];
    this.refundBehaviour = 'ok';
    this.duringCharge = undefined;
    this.beforeRefundAnswer = undefined;
    this.chargeCalls = 0;
    this.refundCalls = 0;
  }
}

function outcomeOf(mockOutcome: ChargeRequest['mockOutcome']): ScriptedCharge {
  return mockOutcome ?? 'approve';
}
