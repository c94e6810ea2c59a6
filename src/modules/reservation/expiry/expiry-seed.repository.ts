import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from '../../../database/sql';

export interface LiveDeadline {
  id: number;
  dueMs: number;
  /** Its HOLD_EXPIRING warning is already written. */
  warned: boolean;
}

/** The scheduler's view of PostgreSQL: which holds are live and when they fall due. */
@Injectable()
export class ExpirySeedRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Live holds with id > `afterId`, in id order (keyset pages). The deadline is rounded UP to the
   * millisecond: timestamptz keeps microseconds, and a score rounded down would pop a row that the
   * conditional update still finds not due, losing it from the queue.
   */
  async liveDeadlines(afterId: number, limit: number): Promise<LiveDeadline[]> {
    return queryRows(
      this.dataSource,
      `SELECT id, ceil(extract(epoch FROM hold_expires_at) * 1000)::bigint AS "dueMs",
              expiry_warned_at IS NOT NULL AS warned
         FROM reservations
        WHERE status IN ('HOLD', 'PAYING') AND id > $1
        ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }
}
