import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../database/sql';

export type MessageStatus = 'PENDING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED';

export interface NewMessage {
  messageId: string;
  endpointId: number;
  outboxEventId: number | null;
  eventType: string;
  body: string;
  committedAt: Date;
}

/** A message leased for one attempt, with what the attempt needs of its endpoint. */
export interface ClaimedMessage {
  id: string;
  message_id: string;
  endpoint_id: number;
  body: string;
  failures_in_round: number;
  committed_at: Date;
  attempts: number;
  url: string;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_until: Date | null;
}

export interface DeliveryRow {
  message_id: string;
  event_type: string;
  status: MessageStatus;
  attempts: number;
  last_response_status: number | null;
  last_response_excerpt: string | null;
  last_duration_ms: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  delivered_at: Date | null;
}

export interface Outcome {
  status: MessageStatus;
  nextAttemptAt: Date | null;
  failed: boolean;
  responseStatus: number | null;
  excerpt: string | null;
  durationMs: number;
  error: string | null;
  now: Date;
}

/** Named queries over webhook_messages: the per-endpoint queues and the delivery log in one table. */
@Injectable()
export class WebhookMessagesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * In the fan-out transaction. The unique (outbox_event_id, endpoint_id) makes a second fan-out of one
   * event a no-op, whatever happens to the outbox row's mark.
   */
  async insertMany(em: EntityManager, messages: NewMessage[], now: Date): Promise<void> {
    if (messages.length === 0) return;
    await em.query(
      `INSERT INTO webhook_messages (message_id, endpoint_id, outbox_event_id, event_type, body, committed_at,
                                     next_attempt_at)
       SELECT m.message_id, m.endpoint_id, m.outbox_event_id, m.event_type, m.body, m.committed_at, $7
         FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[])
              AS m(message_id, endpoint_id, outbox_event_id, event_type, body, committed_at)
       ON CONFLICT ON CONSTRAINT webhook_messages_one_per_event_endpoint DO NOTHING`,
      [
        messages.map((m) => m.messageId),
        messages.map((m) => m.endpointId),
        messages.map((m) => m.outboxEventId),
        messages.map((m) => m.eventType),
        messages.map((m) => m.body),
        messages.map((m) => m.committedAt),
        now,
      ],
    );
  }

  async insertOne(message: NewMessage, now: Date): Promise<void> {
    await this.dataSource.transaction((em) => this.insertMany(em, [message], now));
  }

  /**
   * Leases due messages for one attempt each, in one statement: per enabled endpoint at most its free
   * slots on this instance (`busy` says how many attempts it already has in flight here), oldest due
   * first. SKIP LOCKED and the lease keep two instances from ever attempting one message at once; an
   * instance that dies mid-attempt leaves a lease that runs out, and the message is attempted again.
   * The attempt is counted here, so a crash mid-attempt still counts.
   */
  claimDue(
    busy: Map<number, number>,
    perEndpoint: number,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<ClaimedMessage[]> {
    return queryRows<ClaimedMessage>(
      this.dataSource,
      `WITH endpoints AS (
         SELECT e.id, $3::int - COALESCE(b.n, 0) AS free
           FROM webhook_endpoints e
           LEFT JOIN unnest($1::int[], $2::int[]) AS b(id, n) ON b.id = e.id
          WHERE e.enabled
       ), due AS (
         SELECT d.id FROM endpoints e CROSS JOIN LATERAL (
           SELECT m.id FROM webhook_messages m
            WHERE m.endpoint_id = e.id AND m.status IN ('PENDING', 'RETRYING') AND m.next_attempt_at <= $5
              AND (m.lease_until IS NULL OR m.lease_until < $5)
            ORDER BY m.next_attempt_at, m.id
            LIMIT e.free
            FOR UPDATE OF m SKIP LOCKED) d
          WHERE e.free > 0
       )
       UPDATE webhook_messages m
          SET lease_owner = $4, lease_until = $5::timestamptz + make_interval(secs => $6 / 1000.0),
              attempts = m.attempts + 1, replay_requested = false
         FROM due, webhook_endpoints e
        WHERE m.id = due.id AND e.id = m.endpoint_id
       RETURNING m.id, m.message_id, m.endpoint_id, m.body, m.failures_in_round, m.committed_at, m.attempts,
                 e.url, e.secret_sealed, e.previous_secret_sealed, e.previous_secret_until`,
      [[...busy.keys()], [...busy.values()], perEndpoint, owner, now, leaseMs],
    );
  }

  /**
   * Records attempts under their leases, in one statement (a holder whose lease ran out records nothing:
   * `recorded` false). A replay asked for while an attempt was in flight wins: the message goes back to
   * PENDING, due now. Answers in the order of `outcomes`.
   */
  async recordOutcomes(
    outcomes: (Outcome & { id: string; owner: string })[],
  ): Promise<{ recorded: boolean; firstDelivery: boolean }[]> {
    const rows = await queryRows<{ id: string; first_delivery: boolean }>(
      this.dataSource,
      `UPDATE webhook_messages m
          SET status = CASE WHEN m.replay_requested THEN 'PENDING' ELSE o.status END,
              next_attempt_at = CASE WHEN m.replay_requested THEN o.now ELSE o.next_attempt_at END,
              failures_in_round = CASE WHEN m.replay_requested THEN 0
                                       WHEN o.failed THEN m.failures_in_round + 1 ELSE m.failures_in_round END,
              replay_requested = false,
              delivered_at = CASE WHEN o.status = 'SUCCEEDED' THEN COALESCE(m.delivered_at, o.now)
                                  ELSE m.delivered_at END,
              last_response_status = o.response_status, last_response_excerpt = o.excerpt,
              last_duration_ms = o.duration_ms, last_error = o.error,
              lease_owner = NULL, lease_until = NULL
         FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::timestamptz[], $5::bool[], $6::int[], $7::text[],
                     $8::int[], $9::timestamptz[], $10::text[])
              AS o(id, owner, status, next_attempt_at, failed, response_status, excerpt, duration_ms, now, error)
        WHERE m.id = o.id AND m.lease_owner = o.owner
        RETURNING m.id, m.delivered_at = o.now AS first_delivery`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.owner),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.nextAttemptAt),
        outcomes.map((o) => o.failed),
        outcomes.map((o) => o.responseStatus),
        outcomes.map((o) => o.excerpt),
        outcomes.map((o) => o.durationMs),
        outcomes.map((o) => o.now),
        outcomes.map((o) => o.error),
      ],
    );
    const done = new Map(rows.map((row) => [String(row.id), row.first_delivery === true]));
    return outcomes.map((o) => ({
      recorded: done.has(String(o.id)),
      firstDelivery: done.get(String(o.id)) ?? false,
    }));
  }

  /**
   * Sends it again now, same message id, with a fresh retry schedule. A message in flight is marked, and
   * its attempt's outcome puts it back in the queue (recordOutcomes), so no two attempts overlap.
   */
  async replay(messageId: string, now: Date): Promise<boolean> {
    const rows = await queryRows(
      this.dataSource,
      `UPDATE webhook_messages
          SET status = 'PENDING', next_attempt_at = $2, failures_in_round = 0,
              replay_requested = lease_until IS NOT NULL AND lease_until >= $2
        WHERE message_id = $1 RETURNING id`,
      [messageId, now],
    );
    return rows.length > 0;
  }

  log(endpointId: number, status: MessageStatus | undefined, limit: number): Promise<DeliveryRow[]> {
    return queryRows<DeliveryRow>(
      this.dataSource,
      `SELECT message_id, event_type, status, attempts, last_response_status, last_response_excerpt,
              last_duration_ms, last_error, next_attempt_at, created_at, delivered_at
         FROM webhook_messages
        WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2)
        ORDER BY id DESC LIMIT $3`,
      [endpointId, status ?? null, limit],
    );
  }

  /** Messages waiting per endpoint (the queue-depth gauge). */
  depthByEndpoint(): Promise<{ endpoint_id: number; n: number }[]> {
    return queryRows(
      this.dataSource,
      `SELECT endpoint_id, count(*)::int AS n FROM webhook_messages
        WHERE status IN ('PENDING', 'RETRYING') GROUP BY endpoint_id`,
    );
  }

  /** Deletes up to `limit` messages created before `before`; returns how many. */
  async pruneBefore(before: Date, limit: number): Promise<number> {
    const row = await queryOne<{ n: number }>(
      this.dataSource,
      `WITH gone AS (
         DELETE FROM webhook_messages WHERE id IN (
           SELECT id FROM webhook_messages WHERE created_at < $1 ORDER BY created_at LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [before, limit],
    );
    return row?.n ?? 0;
  }
}
