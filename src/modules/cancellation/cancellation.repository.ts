import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../database/sql';

export type RunStatus = 'RUNNING' | 'DONE' | 'DONE_WITH_FAILURES';
export type RowResult = 'PENDING' | 'REFUNDED' | 'FAILED';

/** The contract's CancellationRun. */
export interface CancellationRun {
  id: number;
  optionId: number;
  concertId: number;
  status: RunStatus;
  reason: string;
  actorUserId: number;
  createdAt: Date;
  finishedAt: Date | null;
  totals: { orders: number; refunded: number; failed: number; pending: number; refundedAmount: number };
}

export interface RunOrder {
  orderId: number;
  userId: number;
  amount: number;
  result: RowResult;
  attempts: number;
  lastError: string | null;
  refundedAt: Date | null;
}

/** A row one instance leased to refund (see `claim`). */
export interface ClaimedRow {
  runId: number;
  orderId: number;
  optionId: number;
  reason: string;
  actorUserId: number;
}

export interface PaidOrder {
  orderId: number;
  userId: number;
  amount: number;
  seats: number;
}

const RUN_SELECT = `
  SELECT r.id, r.option_id AS "optionId", r.concert_id AS "concertId", r.status, r.reason,
         r.actor_user_id AS "actorUserId", r.created_at AS "createdAt", r.finished_at AS "finishedAt",
         json_build_object(
           'orders', count(ro.order_id)::int,
           'refunded', count(ro.order_id) FILTER (WHERE ro.result = 'REFUNDED')::int,
           'failed', count(ro.order_id) FILTER (WHERE ro.result = 'FAILED')::int,
           'pending', count(ro.order_id) FILTER (WHERE ro.result = 'PENDING')::int,
           'refundedAmount', coalesce(sum(ro.amount) FILTER (WHERE ro.result = 'REFUNDED'), 0)::bigint
         ) AS totals
    FROM cancellation_runs r
    LEFT JOIN cancellation_run_orders ro ON ro.run_id = r.id`;

/** The payload of SHOW_CANCELLED and CANCELLATION_PROGRESS, built in SQL in the writing transaction. */
const outboxInsert = (eventType: string, payload: string) => `
  INSERT INTO outbox_events (event_type, partition_key, option_id, payload)
  SELECT '${eventType}', 'cancellation:' || run.id, run."optionId", ${payload}
    FROM (${RUN_SELECT} WHERE r.id = $1 GROUP BY r.id) run`;

const RUN_PAYLOAD = `jsonb_build_object('id', run.id, 'optionId', run."optionId", 'concertId', run."concertId",
  'status', run.status, 'reason', run.reason, 'actorUserId', run."actorUserId",
  'createdAt', iso_utc(run."createdAt"), 'finishedAt', iso_utc(run."finishedAt"), 'totals', run.totals)`;
const PROGRESS_PAYLOAD = `jsonb_build_object('runId', run.id, 'optionId', run."optionId", 'status', run.status,
  'totals', run.totals)`;

/**
 * cancellation_runs and cancellation_run_orders: the record an admin reads, and the leases under which
 * instances refund the rows. Every state change is one conditional statement.
 */
@Injectable()
export class CancellationRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertRun(
    em: EntityManager,
    run: { optionId: number; concertId: number; reason: string; actorUserId: number; at: Date },
    orders: PaidOrder[],
  ): Promise<number> {
    const [{ id }] = await queryRows<{ id: number }>(
      em,
      `INSERT INTO cancellation_runs (option_id, concert_id, reason, actor_user_id, created_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [run.optionId, run.concertId, run.reason, run.actorUserId, run.at],
    );
    await em.query(
      `INSERT INTO cancellation_run_orders (run_id, order_id, user_id, amount, seats)
       SELECT $1, * FROM unnest($2::int[], $3::int[], $4::bigint[], $5::int[])`,
      [
        id,
        orders.map((o) => o.orderId),
        orders.map((o) => o.userId),
        orders.map((o) => o.amount),
        orders.map((o) => o.seats),
      ],
    );
    // Outbound webhooks (SHOW_CANCELLED) and the first progress push commit with the run.
    await em.query(outboxInsert('SHOW_CANCELLED', RUN_PAYLOAD), [id]);
    return id;
  }

  /**
   * Rows of a run created after the fact (an order paid while the cancellation committed): added as
   * PENDING, never a second row for one order.
   */
  async addOrders(em: EntityManager, runId: number, orders: PaidOrder[]): Promise<number> {
    const rows = await queryRows(
      em,
      `INSERT INTO cancellation_run_orders (run_id, order_id, user_id, amount, seats)
       SELECT $1, * FROM unnest($2::int[], $3::int[], $4::bigint[], $5::int[])
       ON CONFLICT DO NOTHING RETURNING order_id`,
      [
        runId,
        orders.map((o) => o.orderId),
        orders.map((o) => o.userId),
        orders.map((o) => o.amount),
        orders.map((o) => o.seats),
      ],
    );
    return rows.length;
  }

  async findRun(id: number, em: EntityManager | DataSource = this.dataSource) {
    return queryOne<CancellationRun>(em, `${RUN_SELECT} WHERE r.id = $1 GROUP BY r.id`, [id]).then(numeric);
  }

  async findRunOfOption(optionId: number, em: EntityManager | DataSource = this.dataSource) {
    return queryOne<CancellationRun>(em, `${RUN_SELECT} WHERE r.option_id = $1 GROUP BY r.id`, [
      optionId,
    ]).then(numeric);
  }

  async runningRuns(): Promise<{ id: number; optionId: number }[]> {
    return queryRows(
      this.dataSource,
      `SELECT id, option_id AS "optionId" FROM cancellation_runs WHERE status = 'RUNNING' ORDER BY id`,
    );
  }

  listOrders(runId: number, result: RowResult | undefined, limit: number): Promise<RunOrder[]> {
    return queryRows<RunOrder>(
      this.dataSource,
      `SELECT order_id AS "orderId", user_id AS "userId", amount::int, result, attempts,
              last_error AS "lastError", refunded_at AS "refundedAt"
         FROM cancellation_run_orders
        WHERE run_id = $1 AND ($2::text IS NULL OR result = $2)
        ORDER BY order_id LIMIT $3`,
      [runId, result ?? null, limit],
    );
  }

  /**
   * Leases up to `limit` PENDING rows of running runs whose lease is free or expired (a dead instance's),
   * in one autocommit statement; SKIP LOCKED lets other instances lease other rows at the same moment.
   */
  claim(owner: string, limit: number, leaseSeconds: number): Promise<ClaimedRow[]> {
    return queryRows<ClaimedRow>(
      this.dataSource,
      `WITH free AS (
         SELECT ro.run_id, ro.order_id FROM cancellation_run_orders ro
           JOIN cancellation_runs r ON r.id = ro.run_id AND r.status = 'RUNNING'
          WHERE ro.result = 'PENDING' AND (ro.claimed_until IS NULL OR ro.claimed_until < now())
          ORDER BY ro.run_id, ro.order_id LIMIT $2
          FOR UPDATE OF ro SKIP LOCKED
       )
       UPDATE cancellation_run_orders ro
          SET claimed_by = $1, claimed_until = now() + make_interval(secs => $3), attempts = ro.attempts + 1
         FROM free, cancellation_runs r
        WHERE ro.run_id = free.run_id AND ro.order_id = free.order_id AND r.id = ro.run_id
       RETURNING ro.run_id AS "runId", ro.order_id AS "orderId", r.option_id AS "optionId", r.reason,
                 r.actor_user_id AS "actorUserId"`,
      [owner, limit, leaseSeconds],
    );
  }

  /** Keeps the rows PENDING but lets any instance lease them again after `seconds` (an item busy elsewhere). */
  async postpone(runId: number, orderIds: number[], owner: string, seconds: number): Promise<void> {
    if (orderIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE cancellation_run_orders SET claimed_until = now() + make_interval(secs => $4)
        WHERE run_id = $1 AND order_id = ANY($2::int[]) AND claimed_by = $3 AND result = 'PENDING'`,
      [runId, orderIds, owner, seconds],
    );
  }

  /** Every item of the orders is refunded: the truth wins over a FAILED written by a lease's earlier owner. */
  async markRefunded(runId: number, orderIds: number[], at: Date): Promise<void> {
    if (orderIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE cancellation_run_orders
          SET result = 'REFUNDED', refunded_at = $3, last_error = NULL, claimed_by = NULL, claimed_until = NULL
        WHERE run_id = $1 AND order_id = ANY($2::int[]) AND result <> 'REFUNDED'`,
      [runId, orderIds, at],
    );
  }

  /** Only by the lease's owner and only from PENDING: a stale instance never fails a row another is refunding. */
  async markFailed(
    runId: number,
    failures: { orderId: number; error: string }[],
    owner: string,
  ): Promise<void> {
    if (failures.length === 0) return;
    await this.dataSource.query(
      `UPDATE cancellation_run_orders ro
          SET result = 'FAILED', last_error = left(f.error, 500), claimed_by = NULL, claimed_until = NULL
         FROM unnest($2::int[], $3::text[]) AS f(order_id, error)
        WHERE ro.run_id = $1 AND ro.order_id = f.order_id AND ro.claimed_by = $4 AND ro.result = 'PENDING'`,
      [runId, failures.map((f) => f.orderId), failures.map((f) => f.error), owner],
    );
  }

  /** Gives a lease back early (shutdown), so another instance takes the row at once. */
  async release(rows: ClaimedRow[], owner: string): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(
      `UPDATE cancellation_run_orders SET claimed_by = NULL, claimed_until = NULL
        WHERE claimed_by = $1 AND result = 'PENDING' AND (run_id, order_id) IN
              (SELECT * FROM unnest($2::int[], $3::int[]))`,
      [owner, rows.map((r) => r.runId), rows.map((r) => r.orderId)],
    );
  }

  /**
   * Ends the run when no row is PENDING (DONE, or DONE_WITH_FAILURES with a FAILED row), writing the final
   * CANCELLATION_PROGRESS in the same transaction. One conditional statement: the instance whose update
   * matches ends it; answers the run's age in seconds then, else undefined.
   */
  async finishIfSettled(runId: number, at: Date): Promise<number | undefined> {
    return this.dataSource.transaction('READ COMMITTED', async (em) => {
      const row = await queryOne<{ seconds: number }>(
        em,
        `UPDATE cancellation_runs r
            SET status = CASE WHEN EXISTS (SELECT 1 FROM cancellation_run_orders f
                                            WHERE f.run_id = r.id AND f.result = 'FAILED')
                              THEN 'DONE_WITH_FAILURES' ELSE 'DONE' END,
                finished_at = $2, progress_pushed_at = $2
          WHERE r.id = $1 AND r.status = 'RUNNING'
            AND NOT EXISTS (SELECT 1 FROM cancellation_run_orders p WHERE p.run_id = r.id AND p.result = 'PENDING')
         RETURNING extract(epoch FROM $2::timestamptz - r.created_at)::float8 AS seconds`,
        [runId, at],
      );
      if (row) await em.query(outboxInsert('CANCELLATION_PROGRESS', PROGRESS_PAYLOAD), [runId]);
      return row?.seconds;
    });
  }

  /**
   * Writes a CANCELLATION_PROGRESS when the run's last one is at least a second old; the conditional update
   * keeps it to one a second however many instances ask.
   */
  async pushProgressIfDue(runId: number, at: Date): Promise<boolean> {
    return this.dataSource.transaction('READ COMMITTED', async (em) => {
      const due = await queryRows(
        em,
        `UPDATE cancellation_runs SET progress_pushed_at = $2
          WHERE id = $1 AND status = 'RUNNING'
            AND (progress_pushed_at IS NULL OR progress_pushed_at <= $2::timestamptz - interval '1 second')
         RETURNING 1`,
        [runId, at],
      );
      if (due.length > 0) await em.query(outboxInsert('CANCELLATION_PROGRESS', PROGRESS_PAYLOAD), [runId]);
      return due.length > 0;
    });
  }

  /**
   * FAILED rows back to PENDING (leases cleared) and the run RUNNING again, in one transaction; rows being
   * refunded right now are PENDING already and untouched. Answers how many rows were reopened.
   */
  async reopenFailed(runId: number): Promise<number> {
    return this.dataSource.transaction('READ COMMITTED', async (em) => {
      const rows = await queryRows(
        em,
        `UPDATE cancellation_run_orders SET result = 'PENDING', claimed_by = NULL, claimed_until = NULL
          WHERE run_id = $1 AND result = 'FAILED' RETURNING 1`,
        [runId],
      );
      if (rows.length > 0) {
        await em.query(`UPDATE cancellation_runs SET status = 'RUNNING', finished_at = NULL WHERE id = $1`, [
          runId,
        ]);
      }
      return rows.length;
    });
  }
}

/** bigint sums arrive as text. */
function numeric(run: CancellationRun | undefined): CancellationRun | undefined {
  if (run) run.totals.refundedAmount = Number(run.totals.refundedAmount);
  return run;
}
