import { EventEmitter2 } from '@nestjs/event-emitter';
import Redis from 'ioredis';
import { EXPIRY_QUEUE, ExpiryQueue } from '../../src/modules/reservation/expiry/expiry-queue';
import { HoldsExpired } from '../../src/modules/reservation/expiry/hold-expiry.service';
import { createAdmin, createOption, createUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import {
  DUE_KEY,
  EXPIRY_REDIS_URL,
  expiredEventCounts,
  freshRedis,
  insertHolds,
  waitFor,
} from './expiry-fixtures';

const HOLDS = 200;

/**
 * Two application instances (real clock) share Redis and PostgreSQL. The 200 holds are inserted with
 * SQL (HTTP would need 50 users under the per-option hold cap) and every id is queued through BOTH
 * apps' EXPIRY_QUEUE, so each instance sees every deadline and both race for every claim.
 */
describe('hold expiry across two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  const expiredBy = { a: 0, b: 0 };

  beforeAll(async () => {
    redis = await freshRedis();
    const env = { REDIS_URL: EXPIRY_REDIS_URL, HOLD_TTL_SECONDS: '1' };
    a = await startTestApp(env);
    b = await startTestApp(env, {}, { reset: false });
    a.app.get(EventEmitter2).on(HoldsExpired.event, (e: HoldsExpired) => (expiredBy.a += e.holds.length));
    b.app.get(EventEmitter2).on(HoldsExpired.event, (e: HoldsExpired) => (expiredBy.b += e.holds.length));
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.quit();
  });

  it('expires 200 holds with exactly 200 transitions and no duplicate events', async () => {
    const admin = await createAdmin(a);
    const { seatIds } = await createOption(a, admin, { seatCount: HOLDS });
    const user = await createUser(a);
    // Deadlines spread over 500 ms starting 800 ms from now, whole milliseconds as the app writes them.
    const start = Date.now() + 800;
    const dueAt = seatIds.map((_, i) => new Date(start + Math.floor((i * 500) / HOLDS)));
    const ids = await insertHolds(a.dataSource, user.id, seatIds, dueAt);
    const queues = [a, b].map((t) => t.app.get<ExpiryQueue>(EXPIRY_QUEUE));
    await Promise.all(queues.flatMap((q) => ids.map((id, i) => q.add(id, dueAt[i]))));
    expect(await redis.zcard(DUE_KEY)).toBe(HOLDS);

    const expiredCount = async () =>
      Number(
        (await a.dataSource.query(`SELECT count(*) AS n FROM reservations WHERE status = 'EXPIRED'`))[0].n,
      );
    await waitFor(async () => (await expiredCount()) === HOLDS, 5000, `${HOLDS} EXPIRED`);
    // Let any straggling duplicate claim run before counting events.
    await new Promise((r) => setTimeout(r, 300));

    expect(await expiredCount()).toBe(HOLDS);
    expect(expiredBy.a + expiredBy.b).toBe(HOLDS);
    const events = await expiredEventCounts(a.dataSource);
    expect(events.size).toBe(HOLDS);
    expect([...events.values()].every((n) => n === 1)).toBe(true);
    const [seats] = await a.dataSource.query(
      `SELECT count(*) FILTER (WHERE status = 'AVAILABLE')::int AS free,
              (SELECT count(*)::int FROM outbox_events WHERE seat_status = 'AVAILABLE') AS events
         FROM seats WHERE id = ANY($1)`,
      [seatIds],
    );
    expect(seats).toEqual({ free: HOLDS, events: HOLDS });
    const [late] = await a.dataSource.query(
      `SELECT max(extract(epoch FROM expired_at - hold_expires_at) * 1000) AS max FROM reservations WHERE id = ANY($1)`,
      [ids],
    );
    expect(Number(late.max)).toBeLessThan(1000);
  });
});
