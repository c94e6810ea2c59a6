import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { Metrics } from '../../src/infra/metrics/metrics.service';
import { seatNumbers } from '../../src/modules/catalog/seat-numbering';
import { TEST_REDIS_URL } from './test-env';

/**
 * The one home of the tests' database fixtures: rows written and read straight in SQL. Each takes
 * anything with a `dataSource` (an e2e TestApp or a module harness), so e2e and medium specs share them.
 */
export type Db = { dataSource: DataSource };

export async function seatStatus({ dataSource }: Db, seatId: number): Promise<string> {
  const rows: { status: string }[] = await dataSource.query('SELECT status FROM seats WHERE id = $1', [
    seatId,
  ]);
  return rows[0].status;
}

export async function reservationStatus({ dataSource }: Db, id: number): Promise<string> {
  const rows: { status: string }[] = await dataSource.query('SELECT status FROM reservations WHERE id = $1', [
    id,
  ]);
  return rows[0].status;
}

/** The reservation's ledger rows, oldest first. */
export function ledger({ dataSource }: Db, reservationId: number) {
  return dataSource.query(
    `SELECT type, status, amount::int AS amount FROM payment_transactions WHERE reservation_id = $1 ORDER BY id`,
    [reservationId],
  ) as Promise<{ type: string; status: string; amount: number }[]>;
}

/** sum(SUCCESS PAYMENT) − sum(SUCCESS REFUND) for a reservation: the contract's ledger invariant. */
export async function netPaid({ dataSource }: Db, reservationId: number): Promise<number> {
  const rows: { net: number }[] = await dataSource.query(
    `SELECT COALESCE(sum(CASE WHEN type = 'PAYMENT' THEN amount ELSE -amount END), 0)::int AS net
       FROM payment_transactions WHERE reservation_id = $1 AND status = 'SUCCESS'`,
    [reservationId],
  );
  return rows[0].net;
}

export async function walletBalance({ dataSource }: Db, userId: number): Promise<number> {
  const rows: { b: number }[] = await dataSource.query(
    'SELECT balance_amount::int AS b FROM wallets WHERE user_id = $1',
    [userId],
  );
  return rows[0].b;
}

/** A user (and wallet) written in SQL: no bcrypt, no HTTP. */
export async function insertUser({ dataSource }: Db, walletBalance = 200_000, role = 'USER') {
  const [{ id }]: { id: number }[] = await dataSource.query(
    `WITH u AS (INSERT INTO users (username, password_hash, role) VALUES ($1, 'not-a-hash', $2) RETURNING id),
          w AS (INSERT INTO wallets (user_id, balance_amount) SELECT id, $3 FROM u)
     SELECT id FROM u`,
    [`u_${randomUUID().slice(0, 12)}`, role, walletBalance],
  );
  return id;
}

export interface Show {
  concertId: number;
  optionId: number;
  seatIds: number[];
  price: number;
  concertDate: Date;
}

/** A concert with one option of `seats` seats, written in SQL. */
export async function insertShow(
  { dataSource }: Db,
  opts: { seats?: number; price?: number; concertDate?: Date } = {},
): Promise<Show> {
  const price = opts.price ?? 50_000;
  const concertDate = opts.concertDate ?? new Date(Date.now() + 30 * 24 * 3600 * 1000);
  const [{ concertId, optionId }]: { concertId: number; optionId: number }[] = await dataSource.query(
    `WITH c AS (INSERT INTO concerts (title, artist_name) VALUES ('Fixture show', 'Tester') RETURNING id),
          o AS (INSERT INTO concert_options (concert_id, concert_date, ticket_price_amount)
                SELECT id, $1, $2 FROM c RETURNING id, concert_id)
     SELECT concert_id AS "concertId", id AS "optionId" FROM o`,
    [concertDate, price],
  );
  const seats: { id: number }[] = await dataSource.query(
    `INSERT INTO seats (option_id, seat_number) SELECT $1, unnest($2::text[]) RETURNING id`,
    [optionId, seatNumbers(opts.seats ?? 10)],
  );
  return { concertId, optionId, seatIds: seats.map((s) => s.id).sort((a, b) => a - b), price, concertDate };
}

/**
 * Live holds written straight into PostgreSQL (one per seat, deadlines given), bypassing the service so a
 * spec can make hundreds at chosen deadlines; the user's purchase count is raised as a hold would.
 * Returns their ids in seat order.
 */
export async function insertHolds({ dataSource }: Db, userId: number, seatIds: number[], dueAt: Date[]) {
  await dataSource.query(`UPDATE seats SET status = 'TEMP_RESERVED' WHERE id = ANY($1)`, [seatIds]);
  const rows: { id: number }[] = await dataSource.query(
    `WITH r AS (
       INSERT INTO reservations (user_id, seat_id, option_id, concert_id, status, amount, reserved_at, hold_expires_at)
       SELECT $1, s.id, o.id, o.concert_id, 'HOLD', o.ticket_price_amount, now(), x.due
         FROM unnest($2::int[], $3::timestamptz[]) WITH ORDINALITY AS x(seat_id, due, n)
         JOIN seats s ON s.id = x.seat_id JOIN concert_options o ON o.id = s.option_id
        ORDER BY x.n
       RETURNING id, concert_id
     ), counted AS (
       INSERT INTO purchase_counts AS c (user_id, concert_id, active)
       SELECT $1, concert_id, count(*) FROM r GROUP BY concert_id
       ON CONFLICT (user_id, concert_id) DO UPDATE SET active = c.active + excluded.active
     )
     SELECT id FROM r ORDER BY id`,
    [userId, seatIds, dueAt],
  );
  return rows.map((r) => r.id);
}

/** RESERVATION_STATUS events with status EXPIRED, per reservation id. */
export async function expiredEventCounts({ dataSource }: Db): Promise<Map<number, number>> {
  const rows: { id: number; n: number }[] = await dataSource.query(
    `SELECT reservation_id AS id, count(*)::int AS n FROM outbox_events
      WHERE event_type = 'RESERVATION_STATUS' AND status = 'EXPIRED' GROUP BY 1`,
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** Older than the reconciler's grace period (60 s): what a crashed process left a while ago. */
export const STALE_SECONDS = 120;

export interface CrashRow {
  userId: number;
  reservationId: number;
  type: 'PAYMENT' | 'REFUND';
  status: 'PENDING' | 'SUCCESS';
  amount: number;
  provider: string;
  /** Seconds since the row was written (created_at and updated_at). */
  ageSeconds?: number;
  balanceAfter?: number | null;
}

/** Writes a ledger row exactly as a process that then died would have left it. */
export async function insertLedgerRow({ dataSource }: Db, row: CrashRow): Promise<number> {
  const rows: { id: number }[] = await dataSource.query(
    `INSERT INTO payment_transactions
       (user_id, reservation_id, type, status, payment_method, payment_provider, provider_transaction_id,
        amount, balance_after_amount, idempotency_key, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
             now() - make_interval(secs => $11), now() - make_interval(secs => $11))
     RETURNING id`,
    [
      row.userId,
      row.reservationId,
      row.type,
      row.status,
      row.provider === 'wallet' ? 'WALLET' : 'CARD',
      row.provider,
      row.status === 'SUCCESS' ? `crash_${randomUUID()}` : null,
      row.amount,
      row.balanceAfter ?? null,
      `${row.type === 'PAYMENT' ? 'pay' : 'refund'}-${row.reservationId}-${randomUUID()}`,
      row.ageSeconds ?? STALE_SECONDS,
    ],
  );
  return rows[0].id;
}

/** The wallet's half of a charge that committed (debit + SUCCESS row) before the process died. */
export async function walletChargeCommitted(db: Db, userId: number, reservationId: number, amount: number) {
  const [[{ balance }]] = await db.dataSource.query(
    `UPDATE wallets SET balance_amount = balance_amount - $2 WHERE user_id = $1
      RETURNING balance_amount::int AS balance`,
    [userId, amount],
  );
  return insertLedgerRow(db, {
    userId,
    reservationId,
    type: 'PAYMENT',
    status: 'SUCCESS',
    amount,
    provider: 'wallet',
    balanceAfter: balance as number,
  });
}

/** A value of a Prometheus series of the instance, e.g. `checkout_expiries_total{source="queue"}`. */
export async function metric(app: { get(token: typeof Metrics): Metrics }, series: string): Promise<number> {
  const text = await app.get(Metrics).registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** The expiry scheduler's Redis keys, shared by every instance on one Redis database. */
export const DUE_KEY = 'checkout:expiry:due';
export const PROCESSING_KEY = 'checkout:expiry:processing';
/** A loopback port where no Redis listens: the "Redis unreachable" configuration. */
export const DEAD_REDIS_URL = 'redis://127.0.0.1:6390/0';

/** A client of the tests' Redis database, flushed: each spec file that uses Redis starts empty. */
export async function freshRedis(url = TEST_REDIS_URL): Promise<Redis> {
  const redis = new Redis(url);
  await redis.flushdb();
  return redis;
}
