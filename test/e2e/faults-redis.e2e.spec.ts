import Redis from 'ioredis';
import { ExpirySweeper } from '../../src/modules/reservation/expiry/expiry-sweeper';
import { checkout } from '../support/checkout';
import { freePort, OwnedProcess, startRedisServer, until } from '../support/child-process';
import { createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { startTestApp, TestApp } from '../support/test-app';
import { DUE_KEY, metric, statusOf } from '../medium/expiry-fixtures';

const TTL_SECONDS = 300;

/**
 * Redis dies while the app serves holds, then comes back on the same port. The app talks to a private
 * redis-server this test owns (the machine's shared Redis is never touched). The clock is moved instead
 * of waiting for deadlines.
 */
describe('fault: Redis stopped during holds', () => {
  const clock = new FakeClock();
  let port: number;
  let redis: OwnedProcess;
  let t: TestApp;
  let user: TestUser;
  let option: TestOption;
  let seat = 0;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
    t = await startTestApp(
      {
        REDIS_URL: `redis://127.0.0.1:${port}/0`,
        HOLD_TTL_SECONDS: String(TTL_SECONDS),
        MAX_ACTIVE_HOLDS_PER_USER: '0',
      },
      { clock },
    );
    const admin = await createAdmin(t);
    option = await createOption(t, admin, { seatCount: 10 });
    user = await createUser(t);
  }, 20_000);

  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  const hold = async () =>
    (await checkout(t, user).hold(option.seatIds[seat++]).expect(201)).body.id as number;
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
    for (const id of [before, ...during]) expect(await statusOf(t.dataSource, id)).toBe('EXPIRED');
    expect(await metric(t, 'checkout_expiries_total{source="sweeper"}')).toBe(4);

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
      async () => (await statusOf(t.dataSource, late)) === 'EXPIRED',
      3000,
      'queue expiry after recovery',
    );
    expect(await metric(t, 'checkout_expiries_total{source="queue"}')).toBe(1);
  }, 30_000);
});
