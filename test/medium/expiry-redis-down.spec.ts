import { checkout } from '../support/checkout';
import { createAdmin, createOption, createUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { DEAD_REDIS_URL, expiredEventCounts, metric, statusOf, waitFor } from './expiry-fixtures';

/** REDIS_URL points at a port where nothing listens: holds keep working, expiry falls back to the sweeper. */
describe('hold expiry when Redis is unreachable', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ REDIS_URL: DEAD_REDIS_URL, HOLD_TTL_SECONDS: '1' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('reports Redis down on /health/ready while the database is up', async () => {
    const res = await t.http().get('/health/ready').expect(503);
    expect(res.body.error?.redis?.status ?? res.body.details?.redis?.status).toBe('down');
    expect(res.body.details.database.status).toBe('up');
  });

  it('takes holds and expires them through the database sweeper', async () => {
    const admin = await createAdmin(t);
    const { seatIds } = await createOption(t, admin, { seatCount: 2 });
    const user = await createUser(t);
    const held = await checkout(t, user).hold(seatIds[0]).expect(201);
    // No queue signal will come. Deadline 1 s away, sweeper grace 1 s, sweeps every 5 s: at most ~7 s.
    await waitFor(
      async () => (await statusOf(t.dataSource, held.body.id)) === 'EXPIRED',
      9000,
      'sweeper expiry',
    );
    expect((await expiredEventCounts(t.dataSource)).get(held.body.id)).toBe(1);
    expect(await metric(t, 'checkout_expiries_total{source="sweeper"}')).toBe(1);
  }, 15000);
});
