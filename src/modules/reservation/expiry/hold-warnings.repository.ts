import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from '../../../database/sql';

/** The HOLD_EXPIRING warning, written at most once per reservation and only while its hold is live. */
@Injectable()
export class HoldWarningsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Marks those of `ids` that are live, not yet warned and not yet due as warned, and writes their
   * HOLD_EXPIRING events in the same statement, with the other items of their orders (one deadline per
   * order: one member of the expiry queue stands for the whole order). expiry_warned_at IS NULL is what makes the warning
   * exactly-once: a second claim of the same member (another instance, the sweeper) changes nothing.
   */
  async warn(ids: number[], now: Date): Promise<number[]> {
    const rows = await queryRows<{ id: number }>(
      this.dataSource,
      `WITH w AS (
         UPDATE reservations SET expiry_warned_at = $2
          WHERE order_id IN (SELECT order_id FROM reservations WHERE id = ANY($1)) AND status IN ('HOLD', 'PAYING') AND expiry_warned_at IS NULL
            AND hold_expires_at > $2
          RETURNING id, order_id, user_id, seat_id, option_id, hold_expires_at
       ), ev AS (
         INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, reservation_id, seat_id,
                                    hold_expires_at, occurred_at, payload)
         SELECT 'HOLD_EXPIRING', w.option_id || ':' || w.seat_id, w.user_id, w.option_id, w.id, w.seat_id,
                w.hold_expires_at, $2,
                jsonb_build_object(
                  'reservationId', w.id, 'orderId', w.order_id, 'userId', w.user_id, 'seatId', w.seat_id, 'optionId', w.option_id,
                  'holdExpiresAt', to_char(w.hold_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'secondsLeft', round(extract(epoch FROM w.hold_expires_at - $2))::int)
           FROM w
       )
       SELECT id FROM w`,
      [ids, now],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Live, unwarned holds whose warning time passed before `warnBy` (the sweeper's safety net for
   * warnings a lost queue never fired: a restart without Redis, a flushed Redis).
   */
  async missed(warnBy: Date, warningMs: number, now: Date, limit: number): Promise<number[]> {
    const rows = await queryRows<{ id: number }>(
      this.dataSource,
      `SELECT id FROM reservations
        WHERE status IN ('HOLD', 'PAYING') AND expiry_warned_at IS NULL
          AND hold_expires_at <= $1::timestamptz + make_interval(secs => $2 / 1000.0)
          AND hold_expires_at > $3
        ORDER BY hold_expires_at LIMIT $4`,
      [warnBy, warningMs, now, limit],
    );
    return rows.map((r) => r.id);
  }
}
