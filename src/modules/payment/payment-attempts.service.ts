import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryOne } from '../../database/sql';
import {
  ChargeResult,
  MockOutcome,
  PAYMENT_GATEWAY,
  PaymentGateway,
  PaymentGatewayError,
  PaymentMethodCode,
} from './gateway/payment-gateway.port';
import { LEDGER_COLUMNS, LedgerRepository, LedgerRow } from './ledger.repository';

export type { LedgerRow };

export type ChargeOutcome = ChargeResult & { gatewayError?: boolean };

/**
 * Payment attempts: one PENDING ledger row per attempt, committed before the gateway is called, settled
 * after it answers. Callers own the transactions; `charge` must be called outside any.
 */
@Injectable()
export class PaymentAttemptsService {
  private readonly logger = new Logger(PaymentAttemptsService.name);

  constructor(
    private readonly ledger: LedgerRepository,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  /** The attempt that blocks a new one: in flight (PENDING) or already paid (SUCCESS). */
  liveAttempt(em: EntityManager, reservationId: number): Promise<LedgerRow | undefined> {
    return queryOne<LedgerRow>(
      em,
      `SELECT ${LEDGER_COLUMNS} FROM payment_transactions
        WHERE reservation_id = $1 AND type = 'PAYMENT' AND status IN ('PENDING', 'SUCCESS')`,
      [reservationId],
    );
  }

  start(
    em: EntityManager,
    a: { userId: number; reservationId: number; amount: number; method: PaymentMethodCode },
  ): Promise<LedgerRow> {
    return this.ledger.insertPending(em, {
      userId: a.userId,
      reservationId: a.reservationId,
      type: 'PAYMENT',
      paymentMethod: a.method,
      paymentProvider: this.gateway.provider,
      amount: a.amount,
      idempotencyKey: `pay-${a.reservationId}-${randomUUID()}`,
    });
  }

  /** Calls the gateway once. A PaymentGatewayError becomes a FAILED outcome marked `gatewayError`. */
  async charge(attempt: LedgerRow, mockOutcome?: MockOutcome): Promise<ChargeOutcome> {
    try {
      return await this.gateway.charge({
        transactionId: attempt.id,
        idempotencyKey: attempt.idempotencyKey,
        userId: attempt.userId,
        reservationId: attempt.reservationId!,
        amount: attempt.amount,
        paymentMethod: attempt.paymentMethod as PaymentMethodCode,
        mockOutcome,
      });
    } catch (err) {
      if (!(err instanceof PaymentGatewayError)) throw err;
      this.logger.warn({ attemptId: attempt.id, err: err.message }, 'payment gateway error');
      return { status: 'FAILED', failureReason: `PAYMENT_GATEWAY_ERROR: ${err.message}`, gatewayError: true };
    }
  }

  /**
   * Records the gateway's answer on the attempt (a provider that settles its own rows is only re-read).
   * Returns the row as it stands: if a webhook settled it first, that outcome wins.
   */
  async record(em: EntityManager, attempt: LedgerRow, outcome: ChargeOutcome): Promise<LedgerRow> {
    if (!this.gateway.settlesLedgerItself || outcome.gatewayError) {
      const settled = await this.ledger.settle(em, attempt.id, {
        status: outcome.status,
        providerTransactionId: outcome.providerTransactionId,
        failureReason: outcome.status === 'FAILED' ? outcome.failureReason : null,
        redirectUrl: outcome.status === 'PENDING' ? outcome.redirectUrl : null,
      });
      if (settled) return settled;
    }
    return (await this.ledger.findById(attempt.id, em))!;
  }

  latest(reservationId: number, em?: EntityManager) {
    return this.ledger.latestPayment(reservationId, em);
  }

  listForReservation(reservationId: number) {
    return this.ledger.listForReservation(reservationId);
  }
}
