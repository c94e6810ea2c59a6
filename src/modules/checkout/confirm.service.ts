import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import type { MockOutcome } from '../../config/app-config';
import { Metrics } from '../../infra/metrics/metrics.service';
import { PaymentMethodsService } from '../payment/payment-methods.service';
import { assertOwner } from '../reservation/reservation-access';
import { isOverdue } from '../reservation/reservation-state';
import { holdExpired, invalid, ReservationTransitions } from '../reservation/reservation-transitions.service';
import { PaymentAttempts } from './payment-attempts.service';
import { isPaidWithoutTicket, SettlementOutcome, SettlementService } from './settlement.service';
import { CheckoutStepRunner } from './steps/checkout-step-runner';
import { GatewayAnswer, GatewayCalls } from './steps/gateway-calls';

export interface ConfirmRequest {
  paymentMethod?: string;
  mockOutcome?: MockOutcome;
}

/** What confirm's money step ended with. */
type Confirmed =
  | { kind: 'EXPIRED' }
  | { kind: 'NOTHING_TO_CHARGE' }
  | { kind: 'SETTLED'; provider: string; answer?: GatewayAnswer; result: SettlementOutcome };

/**
 * Confirm = one payment attempt, through the step runner (never a transaction across the gateway call):
 * 1. lock the reservation, check it, record a PENDING attempt, commit;
 * 2. call the gateway;
 * 3. lock again, record the outcome and move the reservation if it is still PAYING and live.
 * A provider whose money lives in this database (the wallet) moves it in step 3's transaction (see the
 * port's `commitCharge`), so no read ever sees a PAYING reservation whose latest attempt is SUCCESS.
 * A charge that succeeds after the hold expired or was cancelled is refunded at once.
 */
@Injectable()
export class ConfirmService {
  constructor(
    private readonly runner: CheckoutStepRunner,
    private readonly transitions: ReservationTransitions,
    private readonly attempts: PaymentAttempts,
    private readonly gateway: GatewayCalls,
    private readonly methods: PaymentMethodsService,
    private readonly settlement: SettlementService,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async confirm(caller: Principal, id: number, request: ConfirmRequest) {
    this.methods.checkMockOutcome(request.mockOutcome);
    const done = await this.runner.run<Confirmed>({
      reservationId: id,
      begin: async (locked) => {
        const row = assertOwner(locked.reservation, caller);
        if (row.status === 'EXPIRED' || isOverdue(row, this.clock.now()))
          return { answer: { kind: 'EXPIRED' } };
        if (row.status === 'CONFIRMED') return { answer: { kind: 'NOTHING_TO_CHARGE' } };
        if (row.status !== 'PAYING') throw invalid(row.status, 'confirm');
        if (await this.attempts.liveAttempt(locked)) return { answer: { kind: 'NOTHING_TO_CHARGE' } };
        const method = this.methods.resolve(request.paymentMethod);
        return {
          intent: await this.attempts.start(locked, { userId: row.userId, amount: row.amount, method }),
        };
      },
      call: (attempt) => this.gateway.charge(attempt, request.mockOutcome),
      finish: async (locked, { row, answer }) => ({
        kind: 'SETTLED',
        provider: row.paymentProvider,
        answer,
        result: await this.settlement.apply(locked, row),
      }),
    });
    if (done.kind === 'EXPIRED') await this.transitions.failExpired(id);
    if (done.kind === 'SETTLED') {
      const answer = done.answer;
      this.metrics.confirmations.inc({
        provider: done.provider,
        outcome: answer?.gatewayError ? 'GATEWAY_ERROR' : (answer?.status ?? 'UNKNOWN'),
      });
      await this.answerOutcome(id, answer, done.result);
    }
    return (await this.transitions.view(id))!;
  }

  /** After commit: the follow-ups (queue, compensation) and the error answer. */
  private async answerOutcome(id: number, answer: GatewayAnswer | undefined, result: SettlementOutcome) {
    await this.settlement.followUp(id, result);
    if (isPaidWithoutTicket(result)) {
      throw result === 'PAID_AFTER_EXPIRY'
        ? holdExpired()
        : new DomainError(
            'INVALID_STATE_TRANSITION',
            'The reservation was cancelled; the payment was refunded',
          );
    }
    if (result === 'FAILED' && answer?.status === 'FAILED') {
      if (answer.gatewayError) {
        throw new DomainError('PAYMENT_GATEWAY_ERROR', 'The payment gateway could not be reached; retry');
      }
      if (answer.insufficientBalance) {
        throw new DomainError('INSUFFICIENT_BALANCE', 'The wallet balance is too low for this ticket');
      }
    }
  }
}
