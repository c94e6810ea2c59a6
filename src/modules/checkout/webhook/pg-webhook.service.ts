import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock, CLOCK } from '../../../common/clock';
import { DomainError, notFound } from '../../../common/errors/domain-error';
import { inTransaction } from '../../../database/transaction';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { LedgerRepository, LedgerRow } from '../../payment/ledger/ledger.repository';
import { SettledOrder, settledOrder, SettlementOutcome, SettlementService } from '../settlement.service';
import { CheckoutStepRunner, Locked } from '../steps/checkout-step-runner';
import type { GatewayAnswer } from '../steps/gateway-calls';
import { PgWebhookAnswer, PgWebhookEventDto, PgWebhookResult } from './pg-webhook.dto';
import { WebhookInboxRepository } from './webhook-inbox.repository';

const PROVIDER = 'pg-ready';

/** The contract's webhook result for each settlement outcome (PENDING/ALREADY_PAID cannot follow a settle). */
const RESULT_OF: Record<SettlementOutcome, PgWebhookResult> = {
  CONFIRMED: 'CONFIRMED',
  FAILED: 'PAYMENT_FAILED',
  PAID_AFTER_CANCEL: 'AUTO_REFUNDED',
  PAID_AFTER_EXPIRY: 'AUTO_REFUNDED',
  PENDING: 'IGNORED_TERMINAL',
  ALREADY_PAID: 'IGNORED_TERMINAL',
};

type Processed =
  | { duplicate: true }
  | { duplicate: false; result: PgWebhookResult; order: SettledOrder; outcome?: SettlementOutcome };

/**
 * Applies one signed PG event. Everything happens in one transaction without network I/O: claim the event
 * in the inbox, lock the reservation, check the attempt, settle it conditionally (SUCCESS/FAILED are
 * terminal), move the reservation. Any rejection rolls the claim back, so a corrected delivery with the
 * same providerEventId is processed normally. The compensating refund is called after commit.
 */
@Injectable()
export class PgWebhookService {
  private readonly logger = new Logger(PgWebhookService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly inbox: WebhookInboxRepository,
    private readonly ledger: LedgerRepository,
    private readonly settlement: SettlementService,
    private readonly runner: CheckoutStepRunner,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async handle(event: PgWebhookEventDto, rawBody: Buffer): Promise<PgWebhookAnswer> {
    let processed: Processed;
    try {
      processed = await inTransaction(this.dataSource, (em) => this.process(em, event, rawBody));
    } catch (err) {
      if (err instanceof DomainError) this.metrics.webhookResults.inc({ result: err.code });
      throw err;
    }
    if (processed.duplicate) {
      this.metrics.webhookResults.inc({ result: 'DUPLICATE' });
      return { accepted: true, duplicate: true };
    }
    if (processed.outcome) await this.settlement.followUp(processed.order, processed.outcome);
    this.metrics.webhookResults.inc({ result: processed.result });
    return { accepted: true, duplicate: false, result: processed.result };
  }

  private async process(em: EntityManager, event: PgWebhookEventDto, rawBody: Buffer): Promise<Processed> {
    const claim = await this.inbox.claim(
      em,
      PROVIDER,
      event.providerEventId,
      rawBody.toString('utf8'),
      this.clock.now(),
    );
    if (!claim) return { duplicate: true };

    // The order, named by itself or by any of its items (the same attempt either way).
    const locked = await this.runner.lock(
      em,
      event.orderId !== undefined ? { orderId: event.orderId } : { reservationId: event.reservationId! },
    );
    if (!locked.order) throw notFound(event.orderId !== undefined ? 'Order' : 'Reservation');
    if (event.reservationId !== undefined && !locked.items.some((i) => i.id === event.reservationId)) {
      throw notFound('Reservation');
    }
    const attempt = await this.findAttempt(locked, event);
    if (!attempt) throw notFound('Payment attempt');
    if (attempt.amount !== event.amount) {
      this.logger.warn(
        {
          providerEventId: event.providerEventId,
          attemptId: attempt.id,
          expected: attempt.amount,
          got: event.amount,
        },
        'PG webhook amount mismatch: attempt left unchanged',
      );
      throw new DomainError('AMOUNT_MISMATCH', `Amount ${event.amount} does not match the attempt's amount`);
    }

    const { row, settledNow } = await this.runner.record(locked, attempt, answerOf(event));
    let result: PgWebhookResult;
    let outcome: SettlementOutcome | undefined;
    if (!settledNow) {
      // Already SUCCESS or FAILED (earlier event, confirm, or a parallel delivery): never overwritten.
      result = 'IGNORED_TERMINAL';
    } else {
      outcome = await this.settlement.apply(locked, row);
      result = RESULT_OF[outcome];
    }
    await this.inbox.recordResult(em, claim.id, result);
    return { duplicate: false, result, order: settledOrder(locked), outcome };
  }

  /**
   * The attempt the event names (our id, or its idempotency key), else the order's latest attempt.
   * Only the PG's own attempts: a wallet or mock attempt is unknown to it, so an event about one is 404.
   */
  private async findAttempt(locked: Locked, event: PgWebhookEventDto): Promise<LedgerRow | undefined> {
    const em = locked.em;
    const row = event.paymentTransactionId
      ? await this.ledger.findById(event.paymentTransactionId, em)
      : event.idempotencyKey
        ? await this.ledger.findByIdempotencyKey(event.idempotencyKey, em)
        : await this.ledger.latestPayment(locked.orderId!, em);
    if (!row || row.type !== 'PAYMENT' || row.orderId !== locked.orderId) return undefined;
    if (row.paymentProvider !== 'pg-ready') return undefined;
    if (event.paymentTransactionId && event.idempotencyKey && row.idempotencyKey !== event.idempotencyKey) {
      return undefined;
    }
    return row;
  }
}

/** The PG's word on the attempt, as the answer the step runner records (its reference stays as it was). */
function answerOf(event: PgWebhookEventDto): GatewayAnswer {
  return event.status === 'APPROVED'
    ? { status: 'SUCCESS' }
    : { status: 'FAILED', failureReason: event.failureReason ?? 'PG_DECLINED' };
}
