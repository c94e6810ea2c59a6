import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK } from '../../common/clock';
import { notFound } from '../../common/errors/domain-error';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { MessageStatus, WebhookMessagesRepository } from './webhook-messages.repository';
import { WebhookDispatcher } from './webhook-dispatcher';

export const MAX_LOG_LIMIT = 200;

/** The delivery log of an endpoint, and replay of any message. */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly messages: WebhookMessagesRepository,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async log(endpointId: number, status: MessageStatus | undefined, limit = 50) {
    if (!(await this.endpoints.find(endpointId))) throw notFound('webhook endpoint');
    const rows = await this.messages.log(endpointId, status, Math.min(limit, MAX_LOG_LIMIT));
    return rows.map((row) => ({
      messageId: row.message_id,
      eventType: row.event_type,
      status: row.status,
      attempts: row.attempts,
      lastResponseStatus: row.last_response_status,
      lastResponseExcerpt: row.last_response_excerpt,
      lastDurationMs: row.last_duration_ms,
      lastError: row.last_error,
      nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
      createdAt: row.created_at.toISOString(),
      deliveredAt: row.delivered_at?.toISOString() ?? null,
    }));
  }

  /** Same webhook-id, sent again now to the message's endpoint (once the endpoint is enabled). */
  async replay(messageId: string): Promise<{ messageId: string }> {
    if (!(await this.messages.replay(messageId, this.clock.now()))) throw notFound('webhook message');
    this.dispatcher.wake();
    return { messageId };
  }
}
