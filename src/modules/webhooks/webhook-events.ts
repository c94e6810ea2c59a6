import { randomUUID } from 'node:crypto';
import type { FanOutRow } from '../../infra/outbox/outbox-events';

/** What a seller may subscribe to (contract: Outbound webhooks). */
export const WEBHOOK_EVENT_TYPES = [
  'ORDER_CONFIRMED',
  'ORDER_REFUNDED',
  'ORDER_CANCELLED',
  'ORDER_EXPIRED',
  'SHOW_CANCELLED',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The "send test event" button's message type: sent to the one endpoint whatever it subscribes to. */
export const TEST_EVENT_TYPE = 'WEBHOOK_TEST';

/** An order status that announces something to sellers; HOLD and PAYING are not news to them. */
const TYPE_OF_ORDER_STATUS: Record<string, WebhookEventType> = {
  CONFIRMED: 'ORDER_CONFIRMED',
  PARTIALLY_REFUNDED: 'ORDER_REFUNDED',
  REFUNDED: 'ORDER_REFUNDED',
  CANCELLED: 'ORDER_CANCELLED',
  EXPIRED: 'ORDER_EXPIRED',
};

/** The message type an outbox row announces, or undefined when it announces nothing to sellers. */
export function webhookTypeOf(row: FanOutRow): WebhookEventType | undefined {
  if (row.eventType === 'SHOW_CANCELLED') return 'SHOW_CANCELLED';
  return TYPE_OF_ORDER_STATUS[String(row.payload.status)];
}

/** The message body (contract): `timestamp` is when the change happened, the same on every attempt. */
export interface WebhookBody {
  type: string;
  timestamp: string;
  data: unknown;
}

export const serializeBody = (body: WebhookBody): string => JSON.stringify(body);

/** A message's `webhook-id`: one per message, the same on every attempt and replay. */
export const newMessageId = () => `msg_${randomUUID().replace(/-/g, '')}`;
