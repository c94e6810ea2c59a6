import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/database/data-source';
import { moneyAndSeatProblems } from '../../support/invariants';
import { AppChild, asTestApp, startAppChild } from '../support/app-child';
import { checkout } from '../support/checkout';
import { resetDatabaseAt } from '../support/db';
import { bearer, createAdmin, createOption, createUser } from '../support/factories';
import { freshRedis } from '../support/fixtures';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/test-env';
import { until } from '../support/wait';

const ORDERS = 24;
const PRICE = 30_000;
/** Slow enough that the kill lands mid-run: 24 refunds take about 6 s. */
const ENV = {
  MAX_ACTIVE_HOLDS_PER_USER: '0',
  REDIS_URL: TEST_REDIS_URL,
  MASS_REFUND_PER_SECOND: '4',
  LOG_LEVEL: 'silent',
};

/**
 * Two instances (node dist/main.js) share a cancellation run; the one that created it and holds leases is
 * SIGKILLed mid-run. The other takes its rows over within 30 s of the death, the run ends DONE, and every
 * paid ticket is refunded exactly once: one SUCCESS REFUND per item, the money and seat invariants hold.
 */
describe('fault: an instance SIGKILLed in the middle of a cancellation run', () => {
  let ds: DataSource;
  const children: AppChild[] = [];

  beforeAll(async () => {
    await resetDatabaseAt(TEST_DATABASE_URL);
    const redis = await freshRedis();
    await redis.quit();
    ds = createDataSource(TEST_DATABASE_URL, 2);
    await ds.initialize();
  });
  afterAll(async () => {
    for (const child of children) await child.proc.stop('SIGKILL');
    await ds?.destroy();
  });

  it('the survivor takes the dead instance’s rows over within 30 s and refunds each ticket once', async () => {
    const a = await startAppChild(ENV);
    children.push(a);
    const t = asTestApp(a, ds);
    const admin = await createAdmin(t);
    const option = await createOption(t, admin, { seatCount: ORDERS, price: PRICE });
    const fans = await Promise.all(Array.from({ length: ORDERS / 2 }, () => createUser(t)));
    const tickets: number[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const c = checkout(t, fans[i % fans.length]);
      const id = await c.toPaying(option.seatIds[i]);
      expect((await c.confirm(id).expect(200)).body.status).toBe('CONFIRMED');
      tickets.push(id);
    }
    const b = await startAppChild(ENV);
    children.push(b);

    const created = await t
      .http()
      .post(`/api/admin/concerts/options/${option.optionId}/cancellation`)
      .set(bearer(admin))
      .send({ reason: 'Venue flooded' })
      .expect(202);
    const runId = created.body.id as number;
    const pidOf = (child: AppChild) => `:${child.proc.child.pid}:`;
    const leasedBy = async (child: AppChild) =>
      (
        (await ds.query(
          `SELECT order_id FROM cancellation_run_orders
            WHERE run_id = $1 AND result = 'PENDING' AND claimed_by LIKE '%' || $2 || '%' AND claimed_until > now()`,
          [runId, pidOf(child)],
        )) as { order_id: number }[]
      ).map((r) => r.order_id);

    // Kill A once some refunds are done and A holds live leases on rows still to do.
    let held: number[] = [];
    await until(
      async () => {
        const [{ n }] = await ds.query(
          `SELECT count(*)::int AS n FROM cancellation_run_orders WHERE run_id = $1 AND result = 'REFUNDED'`,
          [runId],
        );
        held = await leasedBy(a);
        return n >= 3 && held.length > 0;
      },
      30_000,
      'A to be mid-run with leases',
    );
    await a.proc.stop('SIGKILL');
    const killedAt = Date.now();
    // What A held at its death (its leases do not move any more). A may have finished the rows it held a
    // moment before the kill; then those count, and the takeover below is shown by the rows' attempts.
    const atDeath = await leasedBy(a);
    const tookOver = atDeath.length > 0;
    if (tookOver) held = atDeath;

    // A refund A had begun but not recorded (PENDING) is finished by the survivor once it is older than a
    // lease (OrdersForCancellation.resumeAbandoned), with its own row and key: no waiting for the reconciler.
    await until(
      async () => {
        const [{ n }] = await ds.query(
          `SELECT count(*)::int AS n FROM cancellation_run_orders
            WHERE run_id = $1 AND order_id = ANY($2) AND result = 'PENDING' AND claimed_by LIKE '%' || $3 || '%'`,
          [runId, held, pidOf(a)],
        );
        return n === 0;
      },
      30_000,
      'B to take over every row A held',
    );
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThanOrEqual(30_000);
    if (tookOver) {
      // Each row A held at its death was leased again by B: its attempts went up.
      const attempts: { attempts: number }[] = await ds.query(
        `SELECT attempts FROM cancellation_run_orders WHERE run_id = $1 AND order_id = ANY($2)`,
        [runId, held],
      );
      expect(attempts.every((r) => r.attempts >= 2)).toBe(true);
    }

    // A is dead: read through B from here on.
    const tb = asTestApp(b, ds);
    await until(
      async () =>
        (await tb.http().get(`/api/admin/cancellations/${runId}`).set(bearer(admin))).body.status === 'DONE',
      90_000,
      'the run to end DONE',
    );
    const run = await tb.http().get(`/api/admin/cancellations/${runId}`).set(bearer(admin)).expect(200);
    expect(run.body.totals).toMatchObject({ orders: ORDERS, refunded: ORDERS, failed: 0, pending: 0 });
    const refunds: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM payment_transactions
        WHERE type = 'REFUND' AND status = 'SUCCESS' AND reservation_id = ANY($1) GROUP BY reservation_id`,
      [tickets],
    );
    expect(refunds).toHaveLength(ORDERS);
    expect(refunds.every((r) => r.n === 1)).toBe(true);
    expect(await moneyAndSeatProblems(ds)).toEqual([]);
    console.log(`rows A held at its death: ${held.length}; taken over after ${takeoverMs} ms`);
  }, 180_000);
});
