import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError, notFound } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { EndpointChanges, EndpointRow, WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { newMessageId, serializeBody, TEST_EVENT_TYPE } from './webhook-events';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookMessagesRepository } from './webhook-messages.repository';
import { newEndpointSecret, SecretBox } from './secret-box';
import { HOST_RESOLVER, HostResolver, refusedTarget } from './target-policy';

/** An endpoint as the admin API shows it: never a secret, except `secret` right after create or rotate. */
export interface EndpointView {
  id: number;
  url: string;
  events: string[];
  enabled: boolean;
  /** Why it is disabled: GONE (the endpoint answered 410) or BY_ADMIN; null while enabled. */
  disabledReason: string | null;
  description: string | null;
  createdAt: string;
}

const view = (row: EndpointRow): EndpointView => ({
  id: row.id,
  url: row.url,
  events: row.events,
  enabled: row.enabled,
  disabledReason: row.disabled_reason,
  description: row.description,
  createdAt: row.created_at.toISOString(),
});

/** The admin side of endpoints: create, change, delete, rotate the secret, send a test event. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly messages: WebhookMessagesRepository,
    private readonly secrets: SecretBox,
    private readonly config: AppConfig,
    @Inject(HOST_RESOLVER) private readonly resolver: HostResolver,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(input: {
    url: string;
    events: string[];
    description?: string;
  }): Promise<EndpointView & { secret: string }> {
    await this.checkTarget(input.url);
    const secret = newEndpointSecret();
    const row = await this.endpoints.insert(
      input.url,
      input.events,
      input.description ?? null,
      this.secrets.seal(secret),
    );
    return { ...view(row), secret };
  }

  async list(): Promise<EndpointView[]> {
    return (await this.endpoints.list()).map(view);
  }

  async update(id: number, changes: EndpointChanges): Promise<EndpointView> {
    if (changes.url !== undefined) await this.checkTarget(changes.url);
    const row = await this.endpoints.update(id, changes);
    if (!row) throw notFound('webhook endpoint');
    return view(row);
  }

  async delete(id: number): Promise<void> {
    if (!(await this.endpoints.delete(id))) throw notFound('webhook endpoint');
  }

  /** The new secret signs from now on; the old one too, for WEBHOOK_SECRET_OVERLAP_SECONDS. */
  async rotate(id: number): Promise<{ secret: string }> {
    const secret = newEndpointSecret();
    const until = new Date(this.clock.now().getTime() + this.config.webhookSecretOverlapSeconds * 1000);
    const row = await this.endpoints.rotate(id, this.secrets.seal(secret), until);
    if (!row) throw notFound('webhook endpoint');
    return { secret };
  }

  /** Queues a WEBHOOK_TEST message for this endpoint alone; it is delivered, logged and replayable like any other. */
  async sendTest(id: number): Promise<{ messageId: string }> {
    const endpoint = await this.endpoints.find(id);
    if (!endpoint) throw notFound('webhook endpoint');
    const now = this.clock.now();
    const messageId = newMessageId();
    const body = serializeBody({
      type: TEST_EVENT_TYPE,
      timestamp: now.toISOString(),
      data: { endpointId: id, message: 'A test event sent from the admin console.' },
    });
    await this.messages.insertOne(
      { messageId, endpointId: id, outboxEventId: null, eventType: TEST_EVENT_TYPE, body, committedAt: now },
      now,
    );
    this.dispatcher.wake();
    return { messageId };
  }

  /** http(s) only, no credentials in the URL, and (unless allowed) a public address: else 400. */
  private async checkTarget(raw: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalidUrl('url must be an absolute http or https URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalidUrl('url must be an http or https URL');
    }
    if (url.username || url.password)
      throw invalidUrl('url must not carry credentials (messages are signed)');
    if (this.config.webhookAllowPrivateTargets) return;
    const refused = await refusedTarget(url, this.resolver);
    if (refused) throw invalidUrl(`url is refused: ${refused}`);
  }
}

const invalidUrl = (message: string) => new DomainError('VALIDATION_FAILED', message, [message]);
