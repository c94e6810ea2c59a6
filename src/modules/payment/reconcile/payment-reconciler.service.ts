import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock, CLOCK } from '../../../common/clock';
import { DomainError } from '../../../common/errors/domain-error';
import { inTransaction } from '../../../database/transaction';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { ReservationLifecycleService } from '../../reservation/reservation-lifecycle.service';
import {
  isPaidWithoutTicket,
  ReservationSettlementService,
} from '../../reservation/reservation-settlement.service';
import { PAYMENT_GATEWAY, PaymentGateway } from '../gateway/payment-gateway.port';
import { LedgerRepository } from '../ledger.repository';
import { PaymentRefunder } from '../payment-refunder.service';
import { ReconcileRepository } from './reconcile.repository';

/**
 * Only rows untouched for this long are reconciled, so a confirm or refund that is merely slow (its
 * process alive, between the gateway call and recording the answer) is never raced.
 */
export const RECONCILE_GRACE_MS = 60_000;
/** How far back captured payments are checked for a missing ticket (the index keeps this cheap). */
const PAID_LOOKBACK_MS = 7 * 24 * 3600 * 1000;
const BATCH = 100;

export interface ReconcileReport {
  /** (a) PENDING attempts the gateway answered for: settled SUCCESS or FAILED. */
  attemptsSettled: number;
  /** (b) captured payments whose reservation was confirmed now. */
  confirmed: number;
  /** (b) captured payments without a ticket, refunded. */
  refunded: number;
  /** (c) PENDING refunds finished. */
  refundsResumed: number;
}

/**
 * Told about each PENDING refund the reconciler finished: inside the transaction that records its SUCCESS
 * (`em`), or after the gateway refused it (FAILED). The refund module closes the audit of an admin
 * override whose request died this way.
 */
export type ResumedRefundListener = (
  em: EntityManager | DataSource,
  reservationId: number,
  result: 'SUCCESS' | 'FAILED',
  detail: string,
) => Promise<void>;

/**
 * Finishes what a dead process left half done, so no customer is charged without a ticket or twice:
 * (a) a PENDING attempt whose answer was never recorded: ask the gateway (`inquire`), record, settle;
 * (b) a captured payment on a reservation that is neither CONFIRMED nor refunded: confirm it if it is still
 *     PAYING and live, else refund it (never a second charge);
 * (c) a PENDING refund: call the gateway again with the same idempotency key and settle it.
 * Gateway calls happen outside transactions; every write is conditional, so instances racing are harmless.
 */
@Injectable()
export class PaymentReconciler {
  private readonly logger = new Logger(PaymentReconciler.name);
  private readonly resumedRefundListeners: ResumedRefundListener[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ReconcileRepository,
    private readonly ledger: LedgerRepository,
    private readonly settlement: ReservationSettlementService,
    private readonly lifecycle: ReservationLifecycleService,
    private readonly refunder: PaymentRefunder,
    private readonly metrics: Metrics,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onResumedRefund(listener: ResumedRefundListener): void {
    this.resumedRefundListeners.push(listener);
  }

  async runOnce(): Promise<ReconcileReport> {
    const report: ReconcileReport = { attemptsSettled: 0, confirmed: 0, refunded: 0, refundsResumed: 0 };
    // (a) moves its reservation itself (confirm, or refund when the hold is over), so it never feeds (b).
    report.attemptsSettled = await this.settleAbandonedAttempts();
    const paid = await this.resolvePaidWithoutTicket();
    report.confirmed = paid.confirmed;
    report.refunded = paid.refunded;
    report.refundsResumed = await this.resumePendingRefunds();
    return report;
  }

  /** (a) */
  private async settleAbandonedAttempts(): Promise<number> {
    const inquire = this.gateway.inquire?.bind(this.gateway);
    if (!inquire) return 0; // e.g. pg-ready: the webhook settles it; the stuck list shows it meanwhile
    const { olderThan, now } = this.window();
    const rows = await this.repository.claimStalePending(
      'PAYMENT',
      this.gateway.provider,
      olderThan,
      now,
      BATCH,
    );
    let settled = 0;
    for (const attempt of rows) {
      const answer = await inquire({
        transactionId: attempt.id,
        idempotencyKey: attempt.idempotencyKey,
        userId: attempt.userId,
        reservationId: attempt.reservationId!,
        amount: attempt.amount,
      }).catch((err: unknown) => {
        this.logger.warn({ attemptId: attempt.id, err: String(err) }, 'gateway inquiry failed');
        return 'UNKNOWN' as const;
      });
      if (answer === 'UNKNOWN' || answer.status === 'PENDING') continue; // asked again after the lease
      const outcome = await inTransaction(this.dataSource, async (em) => {
        const reservation = (await this.settlement.lock(em, attempt.reservationId!))!;
        const row = await this.ledger.settle(em, attempt.id, {
          status: answer.status,
          providerTransactionId: answer.providerTransactionId,
          failureReason: answer.status === 'FAILED' ? answer.failureReason : null,
        });
        return row ? this.settlement.apply(em, reservation, row) : undefined; // settled elsewhere meanwhile
      });
      if (!outcome) continue;
      settled++;
      this.count('attempt', answer.status);
      this.logger.warn(
        { attemptId: attempt.id, status: answer.status },
        'unrecorded payment attempt settled',
      );
      if (isPaidWithoutTicket(outcome)) await this.refundQuietly(attempt.reservationId!);
      else await this.settlement.followUp(attempt.reservationId!, outcome);
    }
    return settled;
  }

  /** (b) */
  private async resolvePaidWithoutTicket(): Promise<{ confirmed: number; refunded: number }> {
    const { olderThan, now } = this.window();
    const since = new Date(now.getTime() - PAID_LOOKBACK_MS);
    const candidates = await this.repository.paidWithoutTicket(olderThan, since, BATCH);
    const done = { confirmed: 0, refunded: 0 };
    for (const { reservationId } of candidates) {
      const outcome = await inTransaction(this.dataSource, async (em) => {
        const reservation = (await this.settlement.lock(em, reservationId))!;
        const payment = await this.ledger.successfulPayment(reservationId, em);
        return payment ? this.settlement.apply(em, reservation, payment) : undefined;
      });
      if (outcome === 'CONFIRMED') {
        await this.settlement.followUp(reservationId, outcome);
        done.confirmed++;
        this.count('paid', 'CONFIRMED');
        this.logger.warn({ reservationId }, 'captured payment without a ticket: reservation confirmed');
      } else if (outcome && isPaidWithoutTicket(outcome) && (await this.refundQuietly(reservationId))) {
        done.refunded++;
        this.count('paid', 'REFUNDED');
        this.logger.warn({ reservationId }, 'captured payment without a ticket: refunded');
      }
    }
    return done;
  }

  /** (c) */
  private async resumePendingRefunds(): Promise<number> {
    const { olderThan, now } = this.window();
    const rows = await this.repository.claimStalePending(
      'REFUND',
      this.gateway.provider,
      olderThan,
      now,
      BATCH,
    );
    let resumed = 0;
    for (const refund of rows) {
      const id = refund.reservationId!;
      try {
        // A PENDING refund on a CONFIRMED ticket is a user's or admin's refund: finish its move too.
        // On an EXPIRED/CANCELLED reservation it was a compensation: nothing to move.
        await this.refunder.resume(refund, {
          onSuccess: async (em) => {
            const row = await this.lifecycle.refundSteps.lock(em, id);
            if (row?.status === 'CONFIRMED') await this.lifecycle.refundSteps.markRefunded(em, id);
            for (const listener of this.resumedRefundListeners) {
              await listener(em, id, 'SUCCESS', `refunded ${refund.amount} KRW`);
            }
          },
        });
        resumed++;
        this.count('refund', 'SUCCESS');
        this.logger.warn({ reservationId: id, refundId: refund.id }, 'unfinished refund completed');
      } catch (err) {
        // The gateway refused: the refund row is FAILED now. (Other errors leave it PENDING for later.)
        if (err instanceof DomainError && err.code === 'PAYMENT_GATEWAY_ERROR') {
          await this.tellRefundFailed(id, `${err.code}: ${err.message}`);
        }
        this.count('refund', 'FAILED');
        this.logger.error(
          { reservationId: id, refundId: refund.id, err: String(err) },
          'refund resume failed',
        );
      }
    }
    return resumed;
  }

  private async tellRefundFailed(reservationId: number, detail: string): Promise<void> {
    for (const listener of this.resumedRefundListeners) {
      await listener(this.dataSource, reservationId, 'FAILED', detail).catch((err: unknown) =>
        this.logger.error({ reservationId, err: String(err) }, 'resumed refund listener failed'),
      );
    }
  }

  /** Refunds a capture that bought nothing; false if another process is already refunding it. */
  private async refundQuietly(reservationId: number): Promise<boolean> {
    try {
      await this.refunder.refund(reservationId);
      return true;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'REFUND_NOT_ALLOWED') return false;
      // Stays a (b) case: retried on the next pass, and listed for operators meanwhile.
      this.logger.error({ reservationId, err: String(err) }, 'refund of a payment without a ticket failed');
      return false;
    }
  }

  private window(): { olderThan: Date; now: Date } {
    const now = this.clock.now();
    return { now, olderThan: new Date(now.getTime() - RECONCILE_GRACE_MS) };
  }

  private count(kind: string, result: string): void {
    this.metrics.reconciled.inc({ kind, result });
  }
}
