import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { PeriodicJob } from '../../common/periodic-job';
import { inTransaction } from '../../database/transaction';
import { Metrics } from '../../infra/metrics/metrics.service';
import { OutboxRepository } from '../../infra/outbox/outbox.repository';
import { WebhookData } from './webhook-data';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { newMessageId, serializeBody, webhookTypeOf } from './webhook-events';
import { NewMessage, WebhookMessagesRepository } from './webhook-messages.repository';
import { WebhookDispatcher } from './webhook-dispatcher';

/** Idle poll of the outbox's fan-out index (one probe of an empty partial index). */
const POLL_MS = 100;
const BATCH = 500;

/**
 * Turns committed ORDER_STATUS and SHOW_CANCELLED outbox rows into messages, on every instance: in one
 * transaction it claims rows (SKIP LOCKED), writes one message per endpoint subscribed to the row's type,
 * and marks the rows fanned out. So each event becomes its messages exactly once, a rolled-back change
 * (whose outbox row never committed) sends nothing, and the relay that feeds the realtime push never waits
 * on a seller's endpoint: fan-out touches only the database, and its own column of the outbox row.
 * Disabled endpoints get their messages too; they wait, and go out when the endpoint is enabled again.
 */
@Injectable()
export class WebhookFanOut implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job: PeriodicJob;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly messages: WebhookMessagesRepository,
    private readonly data: WebhookData,
    private readonly dispatcher: WebhookDispatcher,
    metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.job = new PeriodicJob(
      { name: 'webhook-fan-out', intervalMs: POLL_MS, failureBackoffMs: 1000, run: () => this.poll() },
      metrics.jobDuration,
    );
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  /** A fan-out now (after one in progress); for tests and benchmarks. */
  runOnce(): Promise<void> {
    return this.job.runFresh();
  }

  private async poll(): Promise<void> {
    let written = 0;
    for (;;) {
      const { rows, messages } = await this.fanOutBatch();
      written += messages;
      if (rows < BATCH) break;
    }
    if (written > 0) this.dispatcher.wake();
  }

  /** One transaction: claim, write messages, mark. */
  private fanOutBatch(): Promise<{ rows: number; messages: number }> {
    return inTransaction(this.dataSource, async (em) => {
      const rows = await this.outbox.claimForFanOut(em, BATCH);
      if (rows.length === 0) return { rows: 0, messages: 0 };
      const subscribers = await this.endpoints.subscriptions(em);
      const announced = rows.flatMap((row) => {
        const type = webhookTypeOf(row);
        return type && subscribers.some((s) => s.events.includes(type)) ? [{ row, type }] : [];
      });
      const data = await this.data.of(announced.map((a) => a.row));
      const messages: NewMessage[] = [];
      for (const { row, type } of announced) {
        const timestamp = String(row.payload.occurredAt ?? row.createdAt.toISOString());
        const body = serializeBody({ type, timestamp, data: data.get(row.id) });
        for (const endpoint of subscribers) {
          if (!endpoint.events.includes(type)) continue;
          messages.push({
            messageId: newMessageId(),
            endpointId: endpoint.id,
            outboxEventId: row.id,
            eventType: type,
            body,
            committedAt: row.createdAt,
          });
        }
      }
      await this.messages.insertMany(em, messages, this.clock.now());
      await this.outbox.markFannedOut(
        em,
        rows.map((row) => row.id),
      );
      return { rows: rows.length, messages: messages.length };
    });
  }
}
