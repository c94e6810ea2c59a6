import { randomUUID } from 'node:crypto';
import { signWebhook } from '../../src/modules/checkout/webhook/webhook-signature';
import { TestApp } from './test-app';
import { TEST_WEBHOOK_SECRET } from './test-env';

export const WEBHOOK_PATH = '/api/payments/webhooks/pg-ready';

export interface PgEvent {
  providerEventId?: string;
  eventType?: string;
  status: 'APPROVED' | 'FAILED' | string;
  reservationId?: number;
  orderId?: number;
  amount: number;
  paymentTransactionId?: number;
  idempotencyKey?: string;
  occurredAt?: string;
  failureReason?: string;
  [extra: string]: unknown;
}

/** The event's body as the PG would send it (a fresh providerEventId unless one is given). */
export function pgEventBody(event: PgEvent): string {
  return JSON.stringify({ providerEventId: `evt-${randomUUID()}`, eventType: 'PAYMENT', ...event });
}

/**
 * Sends `body` (exact bytes) signed like the PG: `t` from `nowMs` (the app's clock when a test moves it),
 * secret from the test environment unless another is given.
 */
export function sendSignedWebhook(
  t: TestApp,
  body: string,
  opts: { nowMs?: number; secret?: string; signature?: string } = {},
) {
  const ts = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const signature = opts.signature ?? signWebhook(opts.secret ?? TEST_WEBHOOK_SECRET, body, ts);
  return t
    .http()
    .post(WEBHOOK_PATH)
    .set('Content-Type', 'application/json')
    .set('X-PG-Signature', signature)
    .send(body);
}

/** Shorthand: build, sign and send one event. */
export function sendPgEvent(t: TestApp, event: PgEvent, opts: { nowMs?: number } = {}) {
  return sendSignedWebhook(t, pgEventBody(event), opts);
}
