import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import type { MockOutcome } from '../../config/app-config';
import { inTransaction } from '../../database/transaction';
import { Metrics } from '../../infra/metrics/metrics.service';
import type { LedgerRow } from '../payment/ledger/ledger.repository';
import { PaymentMethodsService } from '../payment/payment-methods.service';
import type { ReservationRow } from '../reservation/reservation.repository';
import { holdExpired, invalid, ReservationTransitions } from '../reservation/reservation-transitions.service';
import { ChargeOutcome, PaymentAttempts } from './payment-attempts.service';
import { isPaidWithoutTicket, SettlementOutcome, SettlementService } from './settlement.service';

export interface ConfirmRequest {
  paymentMethod?: string;
  mockOutcome?: MockOutcome;
}

/**
 * Confirm = one payment attempt. Three steps, never a transaction across the gateway call:
 * 1. lock the reservation, check it, record a PENDING attempt, commit;
 * 2. call the gateway;
 * 3. lock again, record the outcome and move the reservation if it is still PAYING and live.
 * A provider whose money lives in this database (the wallet) charges inside step 3's transaction instead:
 * had its debit committed on its own, every call answering in between (a parallel confirm, paying, GET)
 * would read a PAYING reservation whose latest attempt is already SUCCESS, a state the table does not have.
 * A charge that succeeds after the hold expired or was cancelled is refunded at once.
 */
@Injectable()
export class ConfirmService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: ReservationTransitions,
    private readonly attempts: PaymentAttempts,
    private readonly methods: PaymentMethodsService,
    private readonly settlement: SettlementService,
    private readonly metrics: Metrics,
  ) {}

  async confirm(caller: Principal, id: number, request: ConfirmRequest) {
    this.methods.checkMockOutcome(request.mockOutcome);
    const attempt = await this.startAttempt(caller, id, request.paymentMethod);
    if (attempt) {
      const { outcome, result } = await this.chargeAndSettle(id, attempt, request.mockOutcome);
      this.metrics.confirmations.inc({
        provider: attempt.paymentProvider,
        outcome: outcome.gatewayError ? 'GATEWAY_ERROR' : outcome.status,
      });
      await this.answerOutcome(id, outcome, result);
    }
    return (await this.transitions.view(id))!;
  }

  /** Step 1. Returns the new attempt, or undefined when there is nothing to charge (already paid or pending). */
  private async startAttempt(caller: Principal, id: number, paymentMethod?: string) {
    const step = await inTransaction(this.dataSource, async (em) => {
      const c = await this.transitions.lockLive(em, caller, id);
      if (c.expired) return { expired: true } as const;
      const row = c.row;
      if (row.status === 'CONFIRMED') return { expired: false } as const;
      if (row.status !== 'PAYING') throw invalid(row.status, 'confirm');
      if (await this.attempts.liveAttempt(em, id)) return { expired: false } as const;
      const method = this.methods.resolve(paymentMethod);
      const attempt = await this.attempts.start(em, {
        userId: row.userId,
        reservationId: id,
        amount: row.amount,
        method,
      });
      return { expired: false, attempt } as const;
    });
    if (step.expired) await this.transitions.failExpired(id);
    return 'attempt' in step ? step.attempt : undefined;
  }

  /** Steps 2 and 3: the gateway call, then its outcome recorded and applied under the reservation's lock. */
  private async chargeAndSettle(id: number, attempt: LedgerRow, mockOutcome?: MockOutcome) {
    if (this.attempts.chargesInDatabase) {
      return inTransaction(this.dataSource, async (em) => {
        const row = (await this.settlement.lock(em, id))!;
        const outcome = await this.attempts.chargeWithin(em, attempt);
        return { outcome, result: await this.settle(em, row, attempt, outcome) };
      });
    }
    const outcome = await this.attempts.charge(attempt, mockOutcome);
    const result = await inTransaction(this.dataSource, async (em) =>
      this.settle(em, (await this.settlement.lock(em, id))!, attempt, outcome),
    );
    return { outcome, result };
  }

  private async settle(em: EntityManager, row: ReservationRow, attempt: LedgerRow, outcome: ChargeOutcome) {
    const { row: settled } = await this.attempts.record(em, attempt, outcome);
    return this.settlement.apply(em, row, settled);
  }

  /** After commit: the follow-ups (queue, compensation) and the error answer. */
  private async answerOutcome(id: number, outcome: ChargeOutcome, result: SettlementOutcome) {
    await this.settlement.followUp(id, result);
    if (isPaidWithoutTicket(result)) {
      throw result === 'PAID_AFTER_EXPIRY'
        ? holdExpired()
        : new DomainError(
            'INVALID_STATE_TRANSITION',
            'The reservation was cancelled; the payment was refunded',
          );
    }
    if (result === 'FAILED' && outcome.status === 'FAILED') {
      if (outcome.gatewayError) {
        throw new DomainError('PAYMENT_GATEWAY_ERROR', 'The payment gateway could not be reached; retry');
      }
      if (outcome.insufficientBalance) {
        throw new DomainError('INSUFFICIENT_BALANCE', 'The wallet balance is too low for this ticket');
      }
    }
  }
}
