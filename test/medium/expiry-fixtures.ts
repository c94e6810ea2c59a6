import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { TestApp } from '../support/test-app';

/** The expiry specs' own Redis database (index 11), flushed at the start of each spec file. */
export const EXPIRY_REDIS_URL = 'redis://127.0.0.1:6379/11';
/** A loopback port where no Redis listens: the "Redis unreachable" configuration. */
export const DEAD_REDIS_URL = 'redis://127.0.0.1:6390/0';
export const DUE_KEY = 'checkout:expiry:due';
export const PROCESSING_KEY = 'checkout:expiry:processing';

export async function freshRedis(): Promise<Redis> {
  const redis = new Redis(EXPIRY_REDIS_URL);
  await redis.flushdb();
  return redis;
}

/** Polls `probe` until it returns true, failing after `timeoutMs`. For background work with no event to await. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function statusOf(ds: DataSource, id: number): Promise<string> {
  const rows: { status: string }[] = await ds.query('SELECT status FROM reservations WHERE id = $1', [id]);
  return rows[0].status;
}

/** RESERVATION_STATUS events with status EXPIRED, per reservation id. */
export async function expiredEventCounts(ds: DataSource): Promise<Map<number, number>> {
  const rows: { id: number; n: number }[] = await ds.query(
    `SELECT reservation_id AS id, count(*)::int AS n FROM outbox_events
      WHERE event_type = 'RESERVATION_STATUS' AND status = 'EXPIRED' GROUP BY 1`,
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** A value of a Prometheus counter/gauge line from /metrics, e.g. `checkout_expiries_total{source="queue"}`. */
export async function metric(t: TestApp, series: string): Promise<number> {
  const text: string = (await t.http().get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/**
 * Live holds written straight into PostgreSQL (one per seat, deadlines given), bypassing HTTP so a
 * spec can make hundreds at chosen deadlines. Returns their ids in seat order.
 */
export async function insertHolds(ds: DataSource, userId: number, seatIds: number[], dueAt: Date[]) {
  await ds.query(`UPDATE seats SET status = 'TEMP_RESERVED' WHERE id = ANY($1)`, [seatIds]);
  const rows: { id: number }[] = await ds.query(
    `INSERT INTO reservations (user_id, seat_id, option_id, concert_id, status, amount, reserved_at, hold_expires_at)
     SELECT $1, s.id, o.id, o.concert_id, 'HOLD', o.ticket_price_amount, now(), x.due
       FROM unnest($2::int[], $3::timestamptz[]) WITH ORDINALITY AS x(seat_id, due, n)
       JOIN seats s ON s.id = x.seat_id JOIN concert_options o ON o.id = s.option_id
      ORDER BY x.n
     RETURNING id`,
    [userId, seatIds, dueAt],
  );
  return rows.map((r) => r.id);
}
