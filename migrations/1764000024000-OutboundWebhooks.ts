import { MigrationInterface, QueryRunner } from 'typeorm';
import { refuseRevertWhileDataExists } from '../src/database/migration-guard';

/**
 * Release class: EXPAND. Two new tables, a nullable outbox column and a partial index; the previous
 * release ignores all of them.
 *
 * Outbound webhooks (modules/webhooks). The outbox gets a second consumer beside the relay: fan-out turns
 * each committed ORDER_STATUS or SHOW_CANCELLED row into one webhook_messages row per subscribed endpoint
 * and stamps the outbox row's fanned_out_at, all in one transaction, so every event becomes its messages
 * exactly once whichever instance does it. A message row is its own queue entry and its delivery log:
 * status, attempts, next attempt, the lease that keeps two instances from attempting it at once.
 * Endpoint secrets are stored sealed (AES-256-GCM, see secret-box.ts), never in clear.
 */
export class OutboundWebhooks1764000024000 implements MigrationInterface {
  name = 'OutboundWebhooks1764000024000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_events ADD COLUMN fanned_out_at timestamptz`);
    await q.query(
      `CREATE INDEX outbox_events_fan_out_idx ON outbox_events (id)
        WHERE fanned_out_at IS NULL AND event_type IN ('ORDER_STATUS', 'SHOW_CANCELLED')`,
    );
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id serial PRIMARY KEY,
        url varchar(2000) NOT NULL,
        events text[] NOT NULL CHECK (cardinality(events) > 0),
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason varchar(40),
        description varchar(500),
        secret_sealed text NOT NULL,
        previous_secret_sealed text,
        previous_secret_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_messages (
        id bigserial PRIMARY KEY,
        message_id varchar(40) NOT NULL UNIQUE,
        endpoint_id integer NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        outbox_event_id bigint,
        event_type varchar(30) NOT NULL,
        body text NOT NULL,
        status varchar(10) NOT NULL DEFAULT 'PENDING'
          CHECK (status IN ('PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED')),
        attempts integer NOT NULL DEFAULT 0,
        failures_in_round integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lease_owner uuid,
        lease_until timestamptz,
        replay_requested boolean NOT NULL DEFAULT false,
        last_response_status integer,
        last_response_excerpt text CHECK (octet_length(last_response_excerpt) <= 1024),
        last_duration_ms integer,
        last_error varchar(200),
        committed_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        CONSTRAINT webhook_messages_one_per_event_endpoint UNIQUE (outbox_event_id, endpoint_id)
      )`);
    await q.query(
      `CREATE INDEX webhook_messages_due_idx ON webhook_messages (endpoint_id, next_attempt_at, id)
        WHERE status IN ('PENDING', 'RETRYING')`,
    );
    await q.query(`CREATE INDEX webhook_messages_log_idx ON webhook_messages (endpoint_id, id)`);
    await q.query(`CREATE INDEX webhook_messages_created_idx ON webhook_messages (created_at)`);
  }

  /** Refused while an endpoint is configured: the seller's endpoints and their secrets are never dropped silently. */
  async down(q: QueryRunner): Promise<void> {
    await refuseRevertWhileDataExists(q, this.name, [
      { what: 'webhook endpoints', count: `SELECT count(*) AS n FROM webhook_endpoints` },
    ]);
    await q.query(`DROP TABLE webhook_messages`);
    await q.query(`DROP TABLE webhook_endpoints`);
    await q.query(`DROP INDEX IF EXISTS outbox_events_fan_out_idx`);
    await q.query(`ALTER TABLE outbox_events DROP COLUMN IF EXISTS fanned_out_at`);
  }
}
