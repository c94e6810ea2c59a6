import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import type { MockOutcome } from '../../config/app-config';
import { inTransaction } from '../../database/transaction';
import { Metrics } from '../../infra/metrics/metrics.service';
import type { LedgerRow } from '../payment/ledger/ledger.repository';
import { PaymentMethodsService } from '../payment/payment-methods.service';
import { holdExpired, invalid, ReservationTransitions } from '../reservation/reservation-transitions.service';
import { ChargeOutcome, PaymentAttempts } from './payment-attempts.service';
import { isPaidWithoutTicket, SettlementService } from './settlement.service';

export interface ConfirmRequest {
  paymentMethod?: string;
  mockOutcome?: MockOutcome;
}

/**
 * Confirm = one payment attempt. Three steps, never a transaction across the gateway call:
 * 1. lock the reservation, check it, record a PENDING attempt, commit;
 * 2. call the gateway;
 * 3. lock again, record the outcome and move the reservation if it is still PAYING and live.
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
      const outcome = await this.attempts.charge(attempt, request.mockOutcome);
      this.metrics.confirmations.inc({
        provider: attempt.paymentProvider,
        outcome: outcome.gatewayError ? 'GATEWAY_ERROR' : outcome.status,
      });
      await this.applyOutcome(id, attempt, outcome);
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

  /** Step 3, then the follow-ups that must happen after commit (queue, compensation, error answer). */
  private async applyOutcome(id: number, attempt: LedgerRow, outcome: ChargeOutcome) {
    const result = await inTransaction(this.dataSource, async (em) => {
      const row = (await this.settlement.lock(em, id))!;
      const { row: settled } = await this.attempts.record(em, attempt, outcome);
      return this.settlement.apply(em, row, settled);
    });

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
