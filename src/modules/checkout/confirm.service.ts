import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError, notFound } from '../../common/errors/domain-error';
import type { MockOutcome } from '../../config/app-config';
import { Metrics } from '../../infra/metrics/metrics.service';
import { PaymentMethodsService } from '../payment/payment-methods.service';
import { isOverdue } from '../reservation/reservation-state';
import { holdExpired, invalid, ReservationTransitions } from '../reservation/reservation-transitions.service';
import { PaymentAttempts } from './payment-attempts.service';
import {
  isPaidWithoutTicket,
  SettledOrder,
  settledOrder,
  SettlementOutcome,
  SettlementService,
} from './settlement.service';
import { CheckoutStepRunner, Locked, StepTarget } from './steps/checkout-step-runner';
import { GatewayAnswer, GatewayCalls } from './steps/gateway-calls';

export interface ConfirmRequest {
  paymentMethod?: string;
  mockOutcome?: MockOutcome;
}

/** What confirm's money step ended with. */
type Confirmed =
  | { kind: 'EXPIRED'; itemId: number }
  | { kind: 'NOTHING_TO_CHARGE' }
  | {
      kind: 'SETTLED';
      order: SettledOrder;
      provider: string;
      answer?: GatewayAnswer;
      result: SettlementOutcome;
    };

/**
 * Confirm = one payment attempt for the whole order, through the step runner (never a transaction across
 * the gateway call):
 * 1. lock the order and its items, check them, record a PENDING attempt for `totalAmount`, commit;
 * 2. call the gateway;
 * 3. lock again, record the outcome and move every item if the order is still PAYING and live.
 * A provider whose money lives in this database (the wallet) moves it in step 3's transaction (see the
 * port's `commitCharge`), so no read ever sees a PAYING order whose latest attempt is SUCCESS.
 * A charge that succeeds after the hold expired or was cancelled is refunded at once.
 * The v7 confirm is the confirm of the reservation's order of one.
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

  /** v7: the reservation's order, which must be an order of one unless it is paid (ORDER_REQUIRED). */
  async confirm(caller: Principal, id: number, request: ConfirmRequest) {
    await this.pay(caller, { reservationId: id }, request);
    return (await this.transitions.view(id))!;
  }

  /** POST /api/orders/{id}/confirm; answers nothing itself (the caller reads the order's view). */
  async confirmOrder(caller: Principal, orderId: number, request: ConfirmRequest): Promise<void> {
    await this.pay(caller, { orderId }, request);
  }

  private async pay(caller: Principal, target: StepTarget, request: ConfirmRequest): Promise<void> {
    this.methods.checkMockOutcome(request.mockOutcome);
    const done = await this.runner.run<Confirmed>({
      target,
      begin: async (locked) => {
        const items = this.check(locked, caller);
        if (items.some((i) => i.status === 'EXPIRED' || isOverdue(i, this.clock.now()))) {
          return { answer: { kind: 'EXPIRED', itemId: items[0].id } };
        }
        if (items.every((i) => i.status === 'CONFIRMED')) return { answer: { kind: 'NOTHING_TO_CHARGE' } };
        const unpaid = items.find((i) => i.status !== 'PAYING');
        if (unpaid) throw invalid(unpaid.status, 'confirm');
        if (await this.attempts.liveAttempt(locked)) return { answer: { kind: 'NOTHING_TO_CHARGE' } };
        const method = this.methods.resolve(request.paymentMethod);
        return { intents: [await this.attempts.start(locked, method)] };
      },
      call: (attempt) => this.gateway.charge(attempt, request.mockOutcome),
      finish: async (locked, [{ row, answer }]) => ({
        kind: 'SETTLED',
        order: settledOrder(locked),
        provider: row.paymentProvider,
        answer,
        result: await this.settlement.apply(locked, row),
      }),
    });
    if (done.kind === 'EXPIRED') await this.transitions.failExpired(done.itemId);
    if (done.kind === 'SETTLED') {
      const answer = done.answer;
      this.metrics.confirmations.inc({
        provider: done.provider,
        outcome: answer?.gatewayError ? 'GATEWAY_ERROR' : (answer?.status ?? 'UNKNOWN'),
      });
      await this.answerOutcome(done.order, answer, done.result);
    }
  }

  /**
   * The caller's order (404 for anyone else's), as the items that move together: every item for an order
   * confirm; for a v7 confirm, its reservation, which must be the order's only seat unless it is past paying
   * (the order moves as a whole until it is paid: ORDER_REQUIRED).
   */
  private check(locked: Locked, caller: Principal) {
    const order = locked.order;
    if (!order || order.userId !== caller.userId)
      throw notFound(locked.reservationId ? 'Reservation' : 'Order');
    if (locked.reservationId === undefined) return locked.items;
    const item = locked.reservation!;
    if (order.seatCount > 1 && (item.status === 'HOLD' || item.status === 'PAYING')) {
      throw new DomainError('ORDER_REQUIRED', 'This seat belongs to an order: confirm the order');
    }
    return order.seatCount > 1 ? [item] : locked.items;
  }

  /** After commit: the follow-ups (queue, compensation) and the error answer. */
  private async answerOutcome(
    order: SettledOrder,
    answer: GatewayAnswer | undefined,
    result: SettlementOutcome,
  ) {
    await this.settlement.followUp(order, result);
    if (isPaidWithoutTicket(result)) {
      throw result === 'PAID_AFTER_EXPIRY'
        ? holdExpired()
        : new DomainError('INVALID_STATE_TRANSITION', 'The order was cancelled; the payment was refunded');
    }
    if (result === 'FAILED' && answer?.status === 'FAILED') {
      if (answer.gatewayError) {
        throw new DomainError('PAYMENT_GATEWAY_ERROR', 'The payment gateway could not be reached; retry');
      }
      if (answer.insufficientBalance) {
        throw new DomainError('INSUFFICIENT_BALANCE', 'The wallet balance is too low for this order');
      }
    }
  }
}
