import { Client } from 'pg';
import request from 'supertest';
import { checkout } from '../support/checkout';
import { createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_DATABASE, TEST_DATABASE_URL } from '../support/test-env';
import { PaymentReconciler } from '../../src/modules/checkout/reconcile/payment-reconciler.service';
import { moneyAndSeatProblems } from '../../support/invariants';

const INITIAL = 200_000;
const PRICE = 10_000;
const USERS = 8;
const SEATS = 64;

/**
 * PostgreSQL drops the app's connections (pg_terminate_backend) in the middle of concurrent holds and
 * confirms with the wallet provider: every answer is a contract answer (2xx, 4xx or a clean 503, never
 * 500), no change is half applied, and the same process serves normally afterwards.
 */
describe('fault: PostgreSQL connections killed mid-load', () => {
  const clock = new FakeClock();
  let t: TestApp;
  let option: TestOption;
  let users: TestUser[];
  let killer: Client;

  beforeAll(async () => {
    t = await startTestApp({ PAYMENT_PROVIDER: 'wallet', MAX_ACTIVE_HOLDS_PER_USER: '0' }, { clock });
    const admin = await createAdmin(t);
    option = await createOption(t, admin, { seatCount: SEATS + 1, price: PRICE });
    users = await Promise.all(Array.from({ length: USERS }, () => createUser(t)));
    killer = new Client({ connectionString: TEST_DATABASE_URL, application_name: 'fault-killer' });
    await killer.connect();
  });
  afterAll(async () => {
    await killer?.end();
    await t?.close();
  });

  async function terminateAppConnections(): Promise<number> {
    const res = await killer.query(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name = 'ticket-checkout'`,
      [TEST_DATABASE],
    );
    return res.rows[0].n;
  }

  it('answers 2xx/4xx/503 only, applies nothing by halves, and recovers without a restart', async () => {
    const responses: request.Response[] = [];
    const step = async (r: Promise<request.Response>) => {
      const res = await r;
      responses.push(res);
      return res;
    };
    // Each user walks its own seats: hold → paying → confirm, giving up on a seat at the first non-2xx.
    const flows = users.map(async (user, u) => {
      const c = checkout(t, user);
      for (let s = u; s < SEATS; s += USERS) {
        const held = await step(c.hold(option.seatIds[s]));
        if (held.status !== 201) continue;
        if ((await step(c.paying(held.body.id))).status !== 200) continue;
        await step(c.confirm(held.body.id));
      }
    });
    let killed = 0;
    const storm = (async () => {
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 60)); // the storm's cadence (the fault), not a wait
        killed += await terminateAppConnections();
      }
    })();
    await Promise.all([...flows, storm]);

    const byStatus = new Map<number, number>();
    for (const r of responses) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    console.log(`connections killed: ${killed}; responses by status: ${JSON.stringify([...byStatus])}`);
    expect(killed).toBeGreaterThan(0);
    expect(byStatus.get(503) ?? 0).toBeGreaterThan(0);
    for (const r of responses) {
      expect([200, 201, 409, 503]).toContain(r.status);
      if (r.status === 503) {
        expect(r.body).toEqual({
          status: 503,
          errorCode: 'SERVICE_UNAVAILABLE',
          message: expect.any(String),
          correlationId: expect.any(String),
        });
      }
    }

    // The same process, no restart: ready again and a full checkout works.
    await t.http().get('/health/ready').expect(200);
    const after = checkout(t, users[0]);
    const id = await after.toPaying(option.seatIds[SEATS]);
    expect((await after.confirm(id).expect(200)).body.status).toBe('CONFIRMED');

    // A confirm cut between the wallet's debit and the reservation's move is finished by the reconciler
    // once its grace period is over; after that every ledger is balanced.
    clock.advance(61_000);
    await t.app.get(PaymentReconciler).runNow(); // joins a pass in progress, if any
    await t.app.get(PaymentReconciler).runNow();
    expect(await moneyAndSeatProblems(t.dataSource, INITIAL)).toEqual([]);
  }, 30_000);
});
