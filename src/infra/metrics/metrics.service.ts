import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric of the service, on a registry of its own. Feature code calls these fields directly;
 * adding a metric means adding a field here, so /metrics stays one readable list.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  private readonly gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers: [this.registry] });
  private readonly histogram = <L extends string>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: L[] = [],
  ) => new Histogram<L>({ name, help, buckets, labelNames, registers: [this.registry] });

  readonly httpDuration = this.histogram(
    'http_request_duration_seconds',
    'HTTP request latency by route',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ['method', 'route', 'status'],
  );
  readonly holds = this.counter('checkout_holds_total', 'Seat hold attempts by result', ['result']);
  readonly rateLimited = this.counter(
    'checkout_rate_limited_total',
    'Requests refused by a limit: login, login-ip, signup, holds, admin-refused, password-hashing, holds-per-ip, refresh',
    ['limit'],
  );
  readonly holdBatchSize = this.histogram(
    'checkout_hold_batch_size',
    'Holds sent to PostgreSQL together in one statement (HoldBatcher)',
    [1, 2, 4, 8, 16, 32, 64, 128, 256],
  );
  readonly holdsQueued = this.gauge(
    'checkout_hold_batch_queued',
    'Holds waiting for a batch slot while the batches in flight are in PostgreSQL (HoldBatcher)',
  );
  readonly confirmations = this.counter(
    'checkout_confirmations_total',
    'Payment attempts by provider and outcome',
    ['provider', 'outcome'],
  );
  readonly expiries = this.counter(
    'checkout_expiries_total',
    'Holds expired, by the path that expired them',
    ['source'],
  );
  readonly expiryLateness = this.histogram(
    'checkout_expiry_lateness_seconds',
    'Commit time of EXPIRED minus holdExpiresAt',
    [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  readonly expiryBacklog = this.gauge(
    'checkout_expiry_scheduler_backlog',
    'Holds waiting in the expiry queue',
  );
  readonly webhookResults = this.counter(
    'checkout_webhook_results_total',
    'PG webhook deliveries by result',
    ['result'],
  );
  readonly stuckPayments = this.gauge(
    'checkout_stuck_pending_payments',
    'PENDING payment attempts whose reservation is no longer live',
  );
  readonly reconciled = this.counter(
    'checkout_payments_reconciled_total',
    'Ledger rows a dead process left unfinished, resolved by the reconciler (kind: attempt|paid|refund)',
    ['kind', 'result'],
  );
  readonly outboxLag = this.gauge(
    'checkout_outbox_lag_seconds',
    'Age of the oldest unpublished outbox event',
  );
  readonly jobDuration = this.histogram(
    'checkout_job_duration_seconds',
    'Duration of each run of a periodic job (outbox relay, expiry sweeper, reconciler, stuck payments)',
    [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10],
    ['job'],
  );
  readonly cancellationRefunds = this.counter(
    'checkout_cancellation_refunds_total',
    'Orders refunded by show-cancellation runs on this instance, by result (refunded, failed)',
    ['result'],
  );
  readonly cancellationRefundRate = this.gauge(
    'checkout_cancellation_refunds_per_second',
    'Gateway refund calls of show-cancellation runs this instance made in the last second',
  );
  readonly cancellationRunDuration = this.histogram(
    'checkout_cancellation_run_duration_seconds',
    'From a show-cancellation run created to its last row settled (observed by the instance that ends it)',
    [1, 5, 15, 30, 60, 120, 300, 900, 3600],
  );
  readonly queueWaiting = this.gauge(
    'checkout_waiting_room_waiting',
    'Fans waiting in a concert room (queue and pre-queue), as of the last tick any instance ran',
    ['concert'],
  );
  readonly queueActive = this.gauge(
    'checkout_waiting_room_active',
    'Fans admitted (ACTIVE) in a concert room, as of the last tick any instance ran',
    ['concert'],
  );
  readonly queueAdmitted = this.counter(
    'checkout_waiting_room_admitted_total',
    'Fans admitted by the ticks this instance ran (sum over instances: the admission rate)',
    ['concert'],
  );
  readonly queueJoins = this.counter(
    'checkout_waiting_room_joins_total',
    'New places taken in a concert room through this instance (repeated joins not counted)',
    ['concert'],
  );
  readonly queueTime = this.histogram(
    'checkout_waiting_room_wait_seconds',
    'Time from join to admission',
    [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600],
  );
  readonly connectedSockets = this.gauge(
    'checkout_realtime_connected_clients',
    'Connected realtime clients',
    ['transport'],
  );
  readonly webhookDeliveries = this.counter(
    'checkout_outbound_webhook_deliveries_total',
    'Outbound webhook attempts by result: succeeded, retrying, failed (given up), gone (410, endpoint disabled), forbidden (target refused)',
    ['result'],
  );
  readonly webhookLatency = this.histogram(
    'checkout_outbound_webhook_latency_seconds',
    'From the business change (its outbox row) to the 2xx of its message, first success only',
    [0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300, 1800, 7200],
  );
  readonly webhookQueueDepth = this.gauge(
    'checkout_outbound_webhook_queue_depth',
    'Messages waiting (PENDING or RETRYING) per endpoint id, as of the last count on this instance',
    ['endpoint'],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
