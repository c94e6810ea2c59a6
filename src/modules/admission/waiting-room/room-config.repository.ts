import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../../database/sql';
import { RoomConfig } from './room-config';

const COLUMNS = `
  concert_id AS "concertId", enabled, admission_per_minute AS "admissionPerMinute",
  max_active_users AS "maxActiveUsers", active_ttl_seconds AS "activeTtlSeconds", opens_at AS "opensAt"`;

/** waiting_rooms, and the reservation facts the admission tick needs from PostgreSQL. */
@Injectable()
export class RoomConfigRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(concertId: number): Promise<RoomConfig | undefined> {
    return queryOne(this.dataSource, `SELECT ${COLUMNS} FROM waiting_rooms WHERE concert_id = $1`, [
      concertId,
    ]);
  }

  findEnabled(): Promise<RoomConfig[]> {
    return queryRows(this.dataSource, `SELECT ${COLUMNS} FROM waiting_rooms WHERE enabled`);
  }

  /** Creates or replaces the room; undefined when the concert does not exist. */
  upsert(r: RoomConfig, em: EntityManager): Promise<RoomConfig | undefined> {
    return queryOne(
      em,
      `INSERT INTO waiting_rooms (concert_id, enabled, admission_per_minute, max_active_users, active_ttl_seconds, opens_at)
       SELECT id, $2, $3, $4, $5, $6 FROM concerts WHERE id = $1
       ON CONFLICT (concert_id) DO UPDATE SET enabled = $2, admission_per_minute = $3, max_active_users = $4,
         active_ttl_seconds = $5, opens_at = $6, updated_at = now()
       RETURNING ${COLUMNS}`,
      [r.concertId, r.enabled, r.admissionPerMinute, r.maxActiveUsers, r.activeTtlSeconds, r.opensAt],
    );
  }

  /** Turns the room off (no-op without one); in the caller's transaction. */
  async disable(em: EntityManager, concertId: number): Promise<boolean> {
    const rows = await queryRows(
      em,
      `UPDATE waiting_rooms SET enabled = false, updated_at = now() WHERE concert_id = $1 AND enabled RETURNING 1`,
      [concertId],
    );
    return rows.length > 0;
  }

  async concertExists(concertId: number): Promise<boolean> {
    return (
      (await queryOne(this.dataSource, `SELECT 1 FROM concerts WHERE id = $1`, [concertId])) !== undefined
    );
  }

  /** Those of `userIds` with a HOLD or PAYING reservation on the concert: their admission is kept. */
  async withLiveReservations(concertId: number, userIds: number[]): Promise<Set<number>> {
    const rows = await queryRows<{ userId: number }>(
      this.dataSource,
      `SELECT DISTINCT user_id AS "userId" FROM reservations
        WHERE user_id = ANY($2) AND concert_id = $1 AND status IN ('HOLD', 'PAYING')`,
      [concertId, userIds],
    );
    return new Set(rows.map((r) => r.userId));
  }

  /** Every seat of the option the seat belongs to, with its concert (one query warms a whole option). */
  seatsBesides(seatId: number): Promise<{ seatId: number; concertId: number }[]> {
    return queryRows(
      this.dataSource,
      `SELECT s.id AS "seatId", o.concert_id AS "concertId"
         FROM seats s JOIN concert_options o ON o.id = s.option_id
        WHERE s.option_id = (SELECT option_id FROM seats WHERE id = $1)`,
      [seatId],
    );
  }
}
