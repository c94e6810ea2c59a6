import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../database/sql';
import {
  FAN_OUT_EVENT_TYPES,
  FanOutRow,
  OutboxEventType,
  PushEvent,
  SEAT_EVENT_ID_OFFSET,
} from './outbox-events';

/** A row as the relay and the replay read it: a change in columns, or (older rows) a ready payload. */
interface OutboxRow {
  id: string; // bigserial arrives as text
  event_type: OutboxEventType;
  payload: Record<string, unknown> | null;
  user_id: number | null;
  option_id: number | null;
  reservation_id: number | null;
  seat_id: number | null;
  status: string | null;
  payment_status: string | null;
  hold_expires_at: Date | null;
  occurred_at: Date | null;
  seat_status: string | null;
  created_at: Date;
}

// prettier-ignore
const ROW_COLUMNS = [
  'id', 'event_type', 'payload', 'user_id', 'option_id', 'reservation_id', 'seat_id', 'status',
  'payment_status', 'hold_expires_at', 'occurred_at', 'seat_status', 'created_at',
];
const rowColumns = (table: string) => ROW_COLUMNS.map((c) => `${table}.${c}`).join(', ');

/** What one claim leased: the rows (to mark or release) and the events they publish, in row order. */
export interface ClaimedBatch {
  rowIds: number[];
  events: PushEvent[];
  /** created_at of the oldest row, for the outbox lag gauge; undefined when nothing was claimed. */
  oldestCreatedAt?: Date;
}

/** The row's own event: its id becomes the stable eventId clients deduplicate on. */
function ownEvent(row: OutboxRow): PushEvent {
  const eventId = Number(row.id);
  if (row.payload) return { type: row.event_type, eventId, ...row.payload } as PushEvent;
  return {
    type: 'RESERVATION_STATUS',
    eventId,
    reservationId: row.reservation_id!,
    userId: row.user_id!,
    seatId: row.seat_id!,
    optionId: row.option_id!,
    status: row.status!,
    paymentStatus: row.payment_status,
    holdExpiresAt: row.hold_expires_at!.toISOString(),
    occurredAt: row.occurred_at!.toISOString(),
  };
}

/** Every event a row publishes: its own, then the SEAT_STATUS of a reservation change that moved the seat. */
function eventsOf(row: OutboxRow): PushEvent[] {
  const own = ownEvent(row);
  if (own.type !== 'RESERVATION_STATUS' || !row.seat_status) return [own];
  const seat: PushEvent = {
    type: 'SEAT_STATUS',
    eventId: own.eventId + SEAT_EVENT_ID_OFFSET,
    optionId: own.optionId,
    seatId: own.seatId,
    status: row.seat_status,
    occurredAt: own.occurredAt,
  };
  return [own, seat];
}

/** Named queries over outbox_events for the relay (claim, mark, release, prune) and for SSE replay. */
@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Leases up to `limit` unpublished rows, oldest first, in one autocommit statement (row locks last only
   * for the statement; SKIP LOCKED lets relays on other instances take other rows meanwhile). A row is
   * not taken while an older row of the same partition key (the seat) is still unpublished and not in
   * this batch, so two relays never publish one seat's changes, or one reservation's, out of order.
   */
  async claim(limit: number, leaseSeconds: number): Promise<ClaimedBatch> {
    const rows = await queryRows<OutboxRow>(
      this.dataSource,
      `WITH candidates AS (
         SELECT id, partition_key FROM outbox_events
          WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
          ORDER BY id LIMIT $1
          FOR UPDATE SKIP LOCKED
       ), claimable AS (
         SELECT c.id FROM candidates c
          WHERE NOT EXISTS (
            SELECT 1 FROM outbox_events p
             WHERE p.published_at IS NULL AND p.partition_key = c.partition_key AND p.id < c.id
               AND p.id NOT IN (SELECT id FROM candidates))
       )
       UPDATE outbox_events e SET claimed_until = now() + make_interval(secs => $2)
         FROM claimable WHERE e.id = claimable.id
       RETURNING ${rowColumns('e')}`,
      [limit, leaseSeconds],
    );
    rows.sort((a, b) => Number(a.id) - Number(b.id));
    return {
      rowIds: rows.map((row) => Number(row.id)),
      events: rows.flatMap(eventsOf),
      oldestCreatedAt: rows[0]?.created_at,
    };
  }

  async markPublished(ids: number[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox_events SET published_at = now(), claimed_until = NULL WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  /** After a failed publish: let the next poll (here or elsewhere) retry at once instead of after the lease. */
  async release(ids: number[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox_events SET claimed_until = NULL WHERE id = ANY($1::bigint[]) AND published_at IS NULL`,
      [ids],
    );
  }

  /**
   * Deletes up to `limit` published rows older than `olderThanSeconds`; returns how many. Walks the
   * primary key from the oldest id: ids grow with created_at, so the rows to delete come first.
   */
  async prunePublished(olderThanSeconds: number, limit: number): Promise<number> {
    const row = await queryOne<{ n: number }>(
      this.dataSource,
      `WITH gone AS (
         DELETE FROM outbox_events WHERE id IN (
           SELECT id FROM outbox_events
            WHERE published_at IS NOT NULL AND created_at < now() - make_interval(secs => $1)
              AND (fanned_out_at IS NOT NULL OR event_type <> ALL ($3::text[]))
            ORDER BY id LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [olderThanSeconds, limit, FAN_OUT_EVENT_TYPES],
    );
    return row?.n ?? 0;
  }

  /**
   * Fan-out's claim, inside the caller's transaction: up to `limit` committed rows of FAN_OUT_EVENT_TYPES not
   * yet fanned out, oldest first, locked until that transaction ends. SKIP LOCKED lets instances share the
   * work; the relay skips these rows only for the few milliseconds the fan-out transaction lasts.
   */
  async claimForFanOut(em: EntityManager, limit: number): Promise<FanOutRow[]> {
    const rows = await queryRows<{ id: string; event_type: string; payload: unknown; created_at: Date }>(
      em,
      `SELECT id, event_type, payload, created_at FROM outbox_events
        WHERE fanned_out_at IS NULL AND event_type = ANY ($2::text[])
        ORDER BY id LIMIT $1
        FOR NO KEY UPDATE SKIP LOCKED`,
      [limit, FAN_OUT_EVENT_TYPES],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      eventType: row.event_type as FanOutRow['eventType'],
      payload: (row.payload ?? {}) as Record<string, unknown>,
      createdAt: row.created_at,
    }));
  }

  /** Fan-out's mark, in the transaction that wrote the rows' messages. */
  async markFannedOut(em: EntityManager, ids: number[]): Promise<void> {
    await em.query(`UPDATE outbox_events SET fanned_out_at = now() WHERE id = ANY ($1::bigint[])`, [ids]);
  }

  /**
   * A user's RESERVATION_STATUS, HOLD_EXPIRING and ORDER_STATUS events after `afterId` (SSE Last-Event-ID), published or not: every
   * committed row counts, so an event being published right now is not missed (the stream drops the
   * live copy by eventId).
   */
  async userEventsAfter(userId: number, afterId: number, limit: number): Promise<PushEvent[]> {
    const rows = await queryRows<OutboxRow>(
      this.dataSource,
      `SELECT ${rowColumns('outbox_events')} FROM outbox_events
        WHERE user_id = $1 AND event_type IN ('RESERVATION_STATUS', 'HOLD_EXPIRING', 'ORDER_STATUS') AND id > $2
        ORDER BY id LIMIT $3`,
      [userId, afterId, limit],
    );
    return rows.map(ownEvent);
  }
}
