import { Webhook } from 'standardwebhooks';

/** The Standard Webhooks headers of one attempt of one message. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs with every live secret (the current one, and the previous one during the rotation overlap) using
 * the `standardwebhooks` package; the signatures are space-separated, as the spec allows, so a receiver
 * holding either secret verifies the message.
 */
export function signMessage(secrets: string[], messageId: string, at: Date, body: string): SignedHeaders {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(' '),
  };
}
