import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric of the service, on a registry of its own. Feature code calls these fields directly;
 * adding a metric means adding a field here, so /metrics stays one readable list.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly holds = new Counter({
    name: 'checkout_holds_total',
    help: 'Seat hold attempts by result',
    labelNames: ['result'],
    registers: [this.registry],
  });

  readonly holdBatchSize = new Histogram({
    name: 'checkout_hold_batch_size',
    help: 'Holds sent to PostgreSQL together in one statement (HoldBatcher)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  readonly confirmations = new Counter({
    name: 'checkout_confirmations_total',
    help: 'Payment attempts by provider and outcome',
    labelNames: ['provider', 'outcome'],
    registers: [this.registry],
  });

  readonly expiries = new Counter({
    name: 'checkout_expiries_total',
    help: 'Holds expired, by the path that expired them',
    labelNames: ['source'],
    registers: [this.registry],
  });

  readonly expiryLateness = new Histogram({
    name: 'checkout_expiry_lateness_seconds',
    help: 'Commit time of EXPIRED minus holdExpiresAt',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly expiryBacklog = new Gauge({
    name: 'checkout_expiry_scheduler_backlog',
    help: 'Holds waiting in the expiry queue',
    registers: [this.registry],
  });

  readonly webhookResults = new Counter({
    name: 'checkout_webhook_results_total',
    help: 'PG webhook deliveries by result',
    labelNames: ['result'],
    registers: [this.registry],
  });

  readonly stuckPayments = new Gauge({
    name: 'checkout_stuck_pending_payments',
    help: 'PENDING payment attempts whose reservation is no longer live',
    registers: [this.registry],
  });

  readonly reconciled = new Counter({
    name: 'checkout_payments_reconciled_total',
    help: 'Ledger rows a dead process left unfinished, resolved by the reconciler (kind: attempt|paid|refund)',
    labelNames: ['kind', 'result'],
    registers: [this.registry],
  });

  readonly outboxLag = new Gauge({
    name: 'checkout_outbox_lag_seconds',
    help: 'Age of the oldest unpublished outbox event',
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'checkout_job_duration_seconds',
    help: 'Duration of each run of a periodic job (outbox relay, expiry sweeper, reconciler, stuck payments)',
    labelNames: ['job'],
    buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10],
    registers: [this.registry],
  });

  readonly connectedSockets = new Gauge({
    name: 'checkout_realtime_connected_clients',
    help: 'Connected realtime clients by transport',
    labelNames: ['transport'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
