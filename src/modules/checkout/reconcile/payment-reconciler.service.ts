import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, CLOCK } from '../../../common/clock';
import { DomainError } from '../../../common/errors/domain-error';
import { PeriodicJob } from '../../../common/periodic-job';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { PaymentAttempts } from '../payment-attempts.service';
import { RefundPayments } from '../refund-payments.service';
import {
  isPaidWithoutTicket,
  SettledOrder,
  settledOrder,
  SettlementOutcome,
  SettlementService,
} from '../settlement.service';
import { CheckoutStepRunner } from '../steps/checkout-step-runner';
import { GatewayCalls } from '../steps/gateway-calls';
import { ReconcileRepository } from './reconcile.repository';

/**
 * Only rows untouched for this long are reconciled, so a confirm or refund that is merely slow (its
 * process alive, between the gateway call and recording the answer) is never raced.
 */
export const RECONCILE_GRACE_MS = 60_000;
/** How far back captured payments are checked for a missing ticket (the index keeps this cheap). */
const PAID_LOOKBACK_MS = 7 * 24 * 3600 * 1000;
const BATCH = 100;
const INTERVAL_MS = 30_000;

interface Settled {
  order: SettledOrder;
  outcome: SettlementOutcome;
}

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
 * Finishes what a dead process left half done, so no customer is charged without a ticket or twice:
 * (a) a PENDING attempt whose answer was never recorded: ask the gateway, record, settle;
 * (b) a captured payment on a reservation that is neither CONFIRMED nor refunded: confirm it if it is still
 *     PAYING and live, else refund it (never a second charge);
 * (c) a PENDING refund: call the gateway again with the same idempotency key and settle it.
 * Runs at start-up and every 30 s on every instance (the start-up run does not delay the port). Gateway
 * calls happen outside transactions; every write is conditional, so instances racing are harmless.
 */
@Injectable()
export class PaymentReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PaymentReconciler.name);
  private readonly job: PeriodicJob;

  constructor(
    private readonly runner: CheckoutStepRunner,
    private readonly gateway: GatewayCalls,
    private readonly repository: ReconcileRepository,
    private readonly attempts: PaymentAttempts,
    private readonly settlement: SettlementService,
    private readonly refunds: RefundPayments,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.job = new PeriodicJob(
      { name: 'payment-reconciler', intervalMs: INTERVAL_MS, jitter: 0.1, run: () => this.pass() },
      metrics.jobDuration,
    );
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** A pass on the schedule's terms: joins the one in progress, if any, instead of racing it. */
  runNow(): Promise<void> {
    return this.job.runNow();
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

  private async pass(): Promise<void> {
    const report = await this.runOnce();
    if (Object.values(report).some((n) => n > 0)) this.logger.warn({ report }, 'payments reconciled');
  }

  /** (a) */
  private async settleAbandonedAttempts(): Promise<number> {
    const { olderThan, now } = this.window();
    const rows = await this.repository.claimStalePending(
      'PAYMENT',
      this.gateway.providers,
      olderThan,
      now,
      BATCH,
    );
    let settled = 0;
    for (const attempt of rows) {
      const answer = await this.gateway.inquire(attempt);
      // No answer (pg-ready leaves it to its webhook), UNKNOWN or still PENDING: asked again after the lease.
      if (!answer || answer === 'UNKNOWN' || answer.status === 'PENDING') continue;
      // The inquiry was this step's gateway call: from here on, the runner's last step.
      const settledNow = await this.runner.resume<Settled | undefined>(
        {
          target: { orderId: attempt.orderId! },
          begin: () => Promise.reject(new Error('an abandoned attempt has begun already')),
          call: async () => answer,
          finish: async (locked, [{ row, settledNow }]) =>
            settledNow // else settled elsewhere meanwhile
              ? { order: settledOrder(locked), outcome: await this.settlement.apply(locked, row) }
              : undefined,
        },
        [attempt],
      );
      if (!settledNow) continue;
      const { order, outcome } = settledNow;
      settled++;
      this.count('attempt', answer.status);
      this.logger.warn(
        { attemptId: attempt.id, status: answer.status },
        'unrecorded payment attempt settled',
      );
      if (isPaidWithoutTicket(outcome)) await this.refundQuietly(order.orderId);
      else await this.settlement.followUp(order, outcome);
    }
    return settled;
  }

  /** (b) */
  private async resolvePaidWithoutTicket(): Promise<{ confirmed: number; refunded: number }> {
    const { olderThan, now } = this.window();
    const since = new Date(now.getTime() - PAID_LOOKBACK_MS);
    const candidates = await this.repository.paidWithoutTicket(olderThan, since, BATCH);
    const done = { confirmed: 0, refunded: 0 };
    for (const { orderId } of candidates) {
      const settled = await this.runner.locked({ orderId }, async (locked) => {
        const payment = await this.attempts.captured(locked);
        return payment
          ? { order: settledOrder(locked), outcome: await this.settlement.apply(locked, payment) }
          : undefined;
      });
      const outcome = settled?.outcome;
      if (outcome === 'CONFIRMED') {
        await this.settlement.followUp(settled!.order, outcome);
        done.confirmed++;
        this.count('paid', 'CONFIRMED');
        this.logger.warn({ orderId }, 'captured payment without a ticket: order confirmed');
      } else if (outcome && isPaidWithoutTicket(outcome) && (await this.refundQuietly(orderId))) {
        done.refunded++;
        this.count('paid', 'REFUNDED');
        this.logger.warn({ orderId }, 'captured payment without a ticket: refunded');
      }
    }
    return done;
  }

  /** (c) */
  private async resumePendingRefunds(): Promise<number> {
    const { olderThan, now } = this.window();
    const rows = await this.repository.claimStalePending(
      'REFUND',
      this.gateway.providers,
      olderThan,
      now,
      BATCH,
    );
    let resumed = 0;
    for (const refund of rows) {
      try {
        await this.refunds.resume(refund);
        resumed++;
        this.count('refund', 'SUCCESS');
        this.logger.warn(
          { reservationId: refund.reservationId, refundId: refund.id },
          'unfinished refund completed',
        );
      } catch (err) {
        // A refusal leaves the row FAILED; other errors leave it PENDING for the next pass.
        this.count('refund', 'FAILED');
        this.logger.error(
          { reservationId: refund.reservationId, refundId: refund.id, err: String(err) },
          'refund resume failed',
        );
      }
    }
    return resumed;
  }

  /** Refunds a capture that bought nothing; false if another process is already refunding it. */
  private async refundQuietly(orderId: number): Promise<boolean> {
    try {
      await this.refunds.compensate(orderId);
      return true;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'REFUND_NOT_ALLOWED') return false;
      // Stays a (b) case: retried on the next pass, and listed for operators meanwhile.
      this.logger.error({ orderId, err: String(err) }, 'refund of a payment without a ticket failed');
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
