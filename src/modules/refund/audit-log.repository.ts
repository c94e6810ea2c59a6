import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { storable } from '../../common/text';
import { queryOne, queryRows } from '../../database/sql';
import type { Role } from '../../config/app-config';

export type AuditResult = 'SUCCESS' | 'DENIED' | 'FAILED';

/** One admin refund override call, in the contract's field names. */
export interface AuditEntry {
  reservationId: number | null;
  targetUserId: number | null;
  actorUserId: number;
  actorRole: Role;
  result: AuditResult;
  reason: string | null;
  detailMessage: string | null;
  occurredAt: Date;
}

/** An override's note to close (by its item and the key the call gave it), with the audit row's detail. */
export interface ClosingNote {
  reservationId: number;
  requestKey: string;
  detailMessage: string;
}

export interface AuditRow extends AuditEntry {
  id: number;
}

export interface AuditFilter {
  reservationId?: number;
  actorUserId?: number;
  result?: AuditResult;
  fromAt?: Date;
  toAt?: Date;
  limit: number;
}

const DETAIL_MAX = 1000; // the column's width

const COLUMNS = `
  id, reservation_id AS "reservationId", target_user_id AS "targetUserId", actor_user_id AS "actorUserId",
  actor_role AS "actorRole", result, reason, detail_message AS "detailMessage", occurred_at AS "occurredAt"`;

/** admin_refund_audit_logs: append-only; rows are never updated or deleted by the application. */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends one row in its own transaction: a single autocommit statement on a pooled connection of its
   * own. It deliberately takes no EntityManager, so no business transaction can carry it — or roll it back.
   */
  async record(entry: AuditEntry, requestKey?: string): Promise<AuditRow> {
    // Closes the call's own request row, unless its refund is still PENDING: then the refund may yet
    // succeed, and the reconciler that finishes it writes that outcome from the request row.
    const row = await queryOne<AuditRow>(
      this.dataSource,
      `WITH closed AS (
         DELETE FROM admin_refund_requests q WHERE q.request_key = $9
            AND NOT EXISTS (SELECT 1 FROM payment_transactions pt
                             WHERE pt.reservation_id = q.reservation_id AND pt.type = 'REFUND'
                               AND pt.status = 'PENDING'))
       INSERT INTO admin_refund_audit_logs
         (reservation_id, target_user_id, actor_user_id, actor_role, result, reason, detail_message, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [
        entry.reservationId,
        entry.targetUserId,
        entry.actorUserId,
        entry.actorRole,
        entry.result,
        storable(entry.reason),
        storable(entry.detailMessage?.slice(0, DETAIL_MAX)),
        entry.occurredAt,
        requestKey ?? null,
      ],
    );
    return row!;
  }

  /**
   * Notes an override in flight, in the transaction that records its PENDING refund, so that whoever
   * finishes the refund (this request, or the reconciler after a crash) can write its audit row.
   */
  async openRequest(
    em: EntityManager,
    requestKey: string,
    entry: Omit<AuditEntry, 'result' | 'detailMessage'>,
  ): Promise<void> {
    await this.openRequests(em, [{ requestKey, ...entry }]);
  }

  /** `openRequest` for several items in one statement (an order's, or a show cancellation's batch). */
  async openRequests(
    em: EntityManager,
    notes: (Omit<AuditEntry, 'result' | 'detailMessage'> & { requestKey: string })[],
  ): Promise<void> {
    if (notes.length === 0) return;
    await em.query(
      `INSERT INTO admin_refund_requests
         (reservation_id, request_key, target_user_id, actor_user_id, actor_role, reason, requested_at)
       SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::timestamptz[])
       ON CONFLICT (reservation_id) DO UPDATE SET request_key = EXCLUDED.request_key,
         target_user_id = EXCLUDED.target_user_id, actor_user_id = EXCLUDED.actor_user_id,
         actor_role = EXCLUDED.actor_role, reason = EXCLUDED.reason, requested_at = EXCLUDED.requested_at`,
      [
        notes.map((n) => n.reservationId),
        notes.map((n) => n.requestKey),
        notes.map((n) => n.targetUserId),
        notes.map((n) => n.actorUserId),
        notes.map((n) => n.actorRole),
        notes.map((n) => storable(n.reason)),
        notes.map((n) => n.occurredAt),
      ],
    );
  }

  /**
   * Closes this call's note (`requestKey`): it becomes an audit row with `result`, in `em`'s transaction.
   * The override calls it in the transaction that records its refund's SUCCESS. Undefined when the note
   * is gone (closed by someone else).
   */
  async closeRequest(
    em: EntityManager,
    note: ClosingNote,
    result: AuditResult,
    occurredAt: Date,
  ): Promise<AuditRow | undefined> {
    return (await this.closeRequests(em, [note], result, occurredAt))[0];
  }

  /** `closeRequest` for several notes in one statement, each with its own detail. */
  async closeRequests(
    em: EntityManager,
    notes: ClosingNote[],
    result: AuditResult,
    occurredAt: Date,
  ): Promise<AuditRow[]> {
    if (notes.length === 0) return [];
    return queryRows<AuditRow>(
      em,
      `WITH note AS (SELECT * FROM unnest($1::int[], $2::text[], $3::text[]) AS n(reservation_id, request_key, detail)),
       req AS (DELETE FROM admin_refund_requests q USING note
                WHERE q.reservation_id = note.reservation_id AND q.request_key = note.request_key
               RETURNING q.*, note.detail)
       INSERT INTO admin_refund_audit_logs
         (reservation_id, target_user_id, actor_user_id, actor_role, result, reason, detail_message, occurred_at)
       SELECT reservation_id, target_user_id, actor_user_id, actor_role, $4, reason, detail, $5 FROM req
       RETURNING ${COLUMNS}`,
      [
        notes.map((n) => n.reservationId),
        notes.map((n) => n.requestKey),
        notes.map((n) => n.detailMessage.slice(0, DETAIL_MAX)),
        result,
        occurredAt,
      ],
    );
  }

  /**
   * Closes the notes of overrides whose refund was finished by someone else (the reconciler, after the
   * override's own request died): each becomes an audit row with the refund's outcome. Notes whose refund
   * is still PENDING stay open. `reservationId` limits it to one reservation.
   */
  closeInterruptedRequests(occurredAt: Date, reservationId: number | null = null): Promise<AuditRow[]> {
    return queryRows<AuditRow>(
      this.dataSource,
      `WITH settled AS (
         SELECT DISTINCT ON (q.reservation_id) q.reservation_id, pt.status, pt.amount, pt.failure_reason
           FROM admin_refund_requests q
           JOIN payment_transactions pt ON pt.reservation_id = q.reservation_id AND pt.type = 'REFUND'
          WHERE $2::int IS NULL OR q.reservation_id = $2
          ORDER BY q.reservation_id, pt.id DESC
       ), req AS (
         DELETE FROM admin_refund_requests q USING settled s
          WHERE s.reservation_id = q.reservation_id AND s.status IN ('SUCCESS', 'FAILED')
         RETURNING q.*, s.status, s.amount, s.failure_reason
       )
       INSERT INTO admin_refund_audit_logs
         (reservation_id, target_user_id, actor_user_id, actor_role, result, reason, detail_message, occurred_at)
       SELECT reservation_id, target_user_id, actor_user_id, actor_role, status, reason,
              left('Finished by the payment reconciler after the override''s request was interrupted: ' ||
                   CASE status WHEN 'SUCCESS' THEN 'refunded ' || amount || ' KRW'
                               ELSE coalesce(failure_reason, 'refund failed') END, ${DETAIL_MAX}),
              $1
         FROM req
       RETURNING ${COLUMNS}`,
      [occurredAt, reservationId],
    );
  }

  /** Newest first (occurred_at, then id); `fromAt` and `toAt` are both inclusive. */
  list(filter: AuditFilter): Promise<AuditRow[]> {
    const params: unknown[] = [];
    const conditions: string[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.reservationId !== undefined) add('reservation_id = ?', filter.reservationId);
    if (filter.actorUserId !== undefined) add('actor_user_id = ?', filter.actorUserId);
    if (filter.result !== undefined) add('result = ?', filter.result);
    if (filter.fromAt !== undefined) add('occurred_at >= ?', filter.fromAt);
    if (filter.toAt !== undefined) add('occurred_at <= ?', filter.toAt);
    params.push(filter.limit);
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    return queryRows<AuditRow>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM admin_refund_audit_logs ${where}
        ORDER BY occurred_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }
}
