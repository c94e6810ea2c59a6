import Redis from 'ioredis';
import { ExpirySweeper } from '../../src/modules/reservation/expiry/expiry-sweeper';
import { checkout } from '../support/checkout';
import { freePort, OwnedProcess } from '../../support/processes';
import { startRedisServer } from '../support/redis-server';
import { until } from '../support/wait';
import { TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { TestApp } from '../support/test-app';
import { startWorld, World } from '../support/world';
import { DUE_KEY, metric, reservationStatus } from '../support/fixtures';

const TTL_SECONDS = 300;

/**
 * Redis dies while the app serves holds, then comes back on the same port. The app talks to a private
 * redis-server this test owns (the machine's shared Redis is never touched). The clock is moved instead
 * of waiting for deadlines.
 */
describe('fault: Redis stopped during holds', () => {
  let port: number;
  let redis: OwnedProcess;
  let w: World;
  let t: TestApp;
  let clock: FakeClock;
  let user: TestUser;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
    w = await startWorld({
      env: { REDIS_URL: `redis://127.0.0.1:${port}/0`, HOLD_TTL_SECONDS: String(TTL_SECONDS) },
      seats: 10,
    });
    ({ t, clock, user } = w);
  }, 20_000);

  afterAll(async () => {
    await w?.close();
    await redis?.stop();
  });

  const hold = async () => (await checkout(t, user).hold(w.seat()).expect(201)).body.id as number;
  const ready = async () => (await t.http().get('/health/ready')).status;

  it('keeps taking holds, reports Redis down, expires through the sweeper, and recovers on its own', async () => {
    expect(await ready()).toBe(200);
    const before = await hold();

    await redis.stop('SIGTERM');
    await until(async () => (await ready()) === 503, 5000, '/health/ready to report Redis down');
    const down = await t.http().get('/health/ready').expect(503);
    expect(down.body.details.redis.status).toBe('down');
    expect(down.body.details.database.status).toBe('up');

    const during = await Promise.all([hold(), hold(), hold()]);
    clock.advance((TTL_SECONDS + 2) * 1000);
    await t.app.get(ExpirySweeper).sweepOnce();
    for (const id of [before, ...during]) expect(await reservationStatus(t, id)).toBe('EXPIRED');
    expect(await metric(t.app, 'checkout_expiries_total{source="sweeper"}')).toBe(4);

    // A hold taken while Redis is still down: it must reach the Redis queue once Redis is back.
    const late = await hold();
    redis = await startRedisServer(port);
    await until(async () => (await ready()) === 200, 10_000, '/health/ready to recover');
    const probe = new Redis(`redis://127.0.0.1:${port}/0`);
    try {
      await until(
        async () => (await probe.zscore(DUE_KEY, String(late))) !== null,
        5000,
        're-seed of the due set',
      );
    } finally {
      probe.disconnect();
    }
    clock.advance((TTL_SECONDS + 1) * 1000);
    await until(
      async () => (await reservationStatus(t, late)) === 'EXPIRED',
      3000,
      'queue expiry after recovery',
    );
    expect(await metric(t.app, 'checkout_expiries_total{source="queue"}')).toBe(1);
  }, 30_000);
});
