import {
  ChargeRequest,
  ChargeResult,
  PaymentGateway,
  PaymentGatewayError,
  RefundResult,
} from '../../src/modules/payment/gateway/payment-gateway.port';

export type ScriptedCharge = 'approve' | 'decline' | 'pending' | 'unreachable';

/**
 * A card gateway whose next answers the test decides, optionally running a hook while "the network call"
 * is in flight (to expire or cancel the reservation in the middle of a charge).
 */
export class ScriptedGateway implements PaymentGateway {
  readonly provider = 'mock' as const;
  readonly mode = 'CARD_MOCK_SIMULATION' as const;
  readonly supportedMethods = ['CARD'] as const;
  readonly availableByDefault = ['CARD'] as const;
  readonly acceptsMockOutcome = true;

  charges: ScriptedCharge[] = [];
  refunds: ('ok' | 'fail' | 'unreachable')[] = [];
  duringCharge?: (request: ChargeRequest) => Promise<void>;
  chargeCalls = 0;
  refundCalls = 0;

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    this.chargeCalls++;
    await this.duringCharge?.(request);
    const next = this.charges.shift() ?? 'approve';
    const providerTransactionId = `scripted_${request.transactionId}`;
    if (next === 'unreachable') throw new PaymentGatewayError('connection refused (scripted)');
    if (next === 'decline')
      return { status: 'FAILED', providerTransactionId, failureReason: 'DECLINED (scripted)' };
    if (next === 'pending') return { status: 'PENDING', providerTransactionId };
    return { status: 'SUCCESS', providerTransactionId };
  }

  async refund(): Promise<RefundResult> {
    this.refundCalls++;
    const next = this.refunds.shift() ?? 'ok';
    if (next === 'unreachable') throw new PaymentGatewayError('connection refused (scripted)');
    if (next === 'fail') return { status: 'FAILED', failureReason: 'REFUND_REFUSED (scripted)' };
    return { status: 'SUCCESS', providerTransactionId: `scripted_refund_${this.refundCalls}` };
  }
}
