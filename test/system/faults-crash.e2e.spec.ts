import request from 'supertest';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/database/data-source';
import { checkout } from '../support/checkout';
import { until } from '../support/wait';
import { AppChild, asTestApp, startAppChild } from '../support/app-child';
import { resetDatabaseAt } from '../support/db';
import { bearer, createAdmin, createOption, createUser, TestUser } from '../support/factories';
import { moneyAndSeatProblems } from '../../support/invariants';
import { TEST_DATABASE_URL } from '../support/test-env';

const INITIAL = 200_000;
const PRICE = 40_000;
const CUSTOMERS = 24;
const ENV = { PAYMENT_PROVIDER: 'wallet', MAX_ACTIVE_HOLDS_PER_USER: '0' };

/** What a killed process can leave in the ledger, counted. */
async function unfinished(ds: DataSource) {
  const [row] = await ds.query(
    `SELECT
       count(*) FILTER (WHERE p.type = 'PAYMENT' AND p.status = 'PENDING')::int AS "pendingAttempts",
       count(*) FILTER (WHERE p.type = 'PAYMENT' AND p.status = 'SUCCESS'
                          AND r.status NOT IN ('CONFIRMED', 'REFUNDED'))::int AS "paidWithoutTicket",
       count(*) FILTER (WHERE p.type = 'REFUND' AND p.status = 'PENDING')::int AS "pendingRefunds"
     FROM payment_transactions p JOIN reservations r ON r.id = p.reservation_id`,
  );
  return row as { pendingAttempts: number; paidWithoutTicket: number; pendingRefunds: number };
}

/**
 * The process is SIGKILLed while confirms are between the gateway call and recording its outcome, then
 * started again: the reconciler resolves every attempt, nobody is charged twice, and every customer can
 * finish buying. The grace period (60 s) is not waited for: the rows are aged in SQL after the kill, as
 * if a minute had passed, which is all the grace period looks at.
 */
describe('fault: process killed between the gateway call and recording its outcome', () => {
  let ds: DataSource;
  let child: AppChild | undefined;

  beforeAll(async () => {
    await resetDatabaseAt(TEST_DATABASE_URL);
    ds = createDataSource(TEST_DATABASE_URL, 2);
    await ds.initialize();
  });
  afterAll(async () => {
    await child?.proc.stop('SIGKILL');
    await ds?.destroy();
  });

  it('resolves every attempt after a restart, and charges nobody twice', async () => {
    child = await startAppChild(ENV);
    let t = asTestApp(child, ds);
    const admin = await createAdmin(t);
    const option = await createOption(t, admin, { seatCount: CUSTOMERS, price: PRICE });
    const customers: TestUser[] = await Promise.all(Array.from({ length: CUSTOMERS }, () => createUser(t)));
    const ids = await Promise.all(customers.map((u, i) => checkout(t, u).toPaying(option.seatIds[i])));

    // Every customer confirms at once; the process dies as soon as the first answer is back.
    const url = child.url;
    const confirms = customers.map((u, i) =>
      request(url)
        .post(`/api/reservations/v7/${ids[i]}/confirm`)
        .set(bearer(u))
        .send({})
        .then((r) => r.status)
        .catch(() => 'cut' as const),
    );
    await Promise.race(confirms);
    await child.proc.stop('SIGKILL');
    const answers = await Promise.all(confirms);
    const left = await unfinished(ds);
    console.log(
      `answered before the kill: ${answers.filter((a) => a !== 'cut').length}/${CUSTOMERS}; ` +
        `left unfinished: ${JSON.stringify(left)}`,
    );

    expect(left.pendingAttempts + left.paidWithoutTicket).toBeGreaterThan(0); // the kill did cut confirms

    // A minute passes (the grace period), then the service starts again.
    await ds.query(
      `UPDATE payment_transactions SET created_at = created_at - interval '2 minutes',
                                       updated_at = updated_at - interval '2 minutes'`,
    );
    child = await startAppChild(ENV);
    t = asTestApp(child, ds);
    await until(
      async () => {
        const now = await unfinished(ds);
        return now.pendingAttempts + now.paidWithoutTicket + now.pendingRefunds === 0;
      },
      15_000,
      'the start-up reconciliation',
    );
    expect(await moneyAndSeatProblems(ds, INITIAL)).toEqual([]);

    // Whoever was cut off can pay now, and ends with exactly one ticket and one debit.
    for (const [i, u] of customers.entries()) {
      const res = await checkout(t, u).confirm(ids[i]).expect(200);
      expect(res.body.status).toBe('CONFIRMED');
    }
    const debits: { n: number; balance: number }[] = await ds.query(
      `SELECT (SELECT count(*)::int FROM payment_transactions p
                WHERE p.user_id = u.id AND p.type = 'PAYMENT' AND p.status = 'SUCCESS') AS n,
              (SELECT balance_amount FROM wallets w WHERE w.user_id = u.id)::int AS balance
         FROM users u WHERE u.id = ANY($1)`,
      [customers.map((u) => u.id)],
    );
    expect(debits).toEqual(customers.map(() => ({ n: 1, balance: INITIAL - PRICE })));
    expect(await moneyAndSeatProblems(ds, INITIAL)).toEqual([]);
    await child.proc.stop('SIGTERM');
    expect(child.proc.child.exitCode).toBe(0);
  }, 60_000);
});
