import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryOne } from '../../../database/sql';

/** Stored while the event's transaction runs; replaced by the outcome before commit. */
const IN_PROGRESS = 'PROCESSING';

/**
 * Every accepted webhook event, once per (provider, providerEventId), with its raw body and outcome.
 * The unique key is the dedup: a parallel copy of an event waits on the first one's insert and then sees
 * a conflict; if the first one was rejected (rolled back), the copy is processed instead.
 */
@Injectable()
export class WebhookInboxRepository {
  /** Claims the event in the caller's transaction; undefined when it was already accepted. */
  async claim(em: EntityManager, provider: string, eventId: string, rawBody: string, now: Date) {
    return queryOne<{ id: number }>(
      em,
      `INSERT INTO webhook_inbox (provider, provider_event_id, raw_body, result, received_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (provider, provider_event_id) DO NOTHING
       RETURNING id`,
      [provider, eventId, rawBody, IN_PROGRESS, now],
    );
  }

  async recordResult(em: EntityManager, id: number, result: string): Promise<void> {
    await em.query(`UPDATE webhook_inbox SET result = $2 WHERE id = $1`, [id, result]);
  }
}
