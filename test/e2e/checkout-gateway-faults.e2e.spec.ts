import { checkout } from '../support/checkout';
import { TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { ledger, netPaid, seatStatus } from '../support/fixtures';
import { TestApp } from '../support/test-app';
import { TestGateway } from '../support/test-gateway';
import { startWorld, World } from '../support/world';

/** What happens around the gateway call: errors, and holds that end while the charge is in flight. */
describe('confirm around the gateway call', () => {
  const gateway = new TestGateway();
  let w: World;
  let t: TestApp;
  let clock: FakeClock;
  let user: TestUser;
  const seat = () => w.seat();

  beforeAll(async () => {
    w = await startWorld({ gateway, seats: 20, price: 30000 });
    ({ t, clock, user } = w);
  });
  afterAll(() => w.close());
  afterEach(() => {
    clock.reset();
    gateway.reset();
  });

  it('holds no database transaction open during the gateway call', async () => {
    const id = await checkout(t, user).toPaying(seat());
    let openTransactions = -1;
    gateway.duringCharge = async () => {
      const rows = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      );
      openTransactions = rows[0].n;
    };
    await checkout(t, user).confirm(id).expect(200);
    expect(openTransactions).toBe(0);
  });

  it('gateway unreachable: 502 PAYMENT_GATEWAY_ERROR, attempt FAILED, reservation still PAYING, retry works', async () => {
    const id = await checkout(t, user).toPaying(seat());
    gateway.charges = ['unreachable'];
    const res = await checkout(t, user).confirm(id).expect(502);
    expect(res.body.errorCode).toBe('PAYMENT_GATEWAY_ERROR');
    expect((await checkout(t, user).get(id)).body).toMatchObject({
      status: 'PAYING',
      paymentStatus: 'FAILED',
    });
    expect((await checkout(t, user).confirm(id).expect(200)).body.status).toBe('CONFIRMED');
    expect(await netPaid(t, id)).toBe(30000);
  });

  it('a charge that succeeds after the hold expired is refunded at once: 409 HOLD_EXPIRED, ledger nets to zero', async () => {
    const seatId = seat();
    const id = await checkout(t, user).toPaying(seatId);
    gateway.duringCharge = async () => clock.advance(301_000);
    const res = await checkout(t, user).confirm(id).expect(409);
    expect(res.body.errorCode).toBe('HOLD_EXPIRED');
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: 30000 },
      { type: 'REFUND', status: 'SUCCESS', amount: 30000 },
    ]);
    expect(await netPaid(t, id)).toBe(0);
    expect((await checkout(t, user).get(id)).body.status).toBe('EXPIRED');
    expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
  });

  it('a charge that succeeds after the user cancelled is refunded at once', async () => {
    const id = await checkout(t, user).toPaying(seat());
    gateway.duringCharge = async () => {
      await checkout(t, user).cancel(id).expect(200);
    };
    const res = await checkout(t, user).confirm(id).expect(409);
    expect(res.body.errorCode).toBe('INVALID_STATE_TRANSITION');
    expect((await checkout(t, user).get(id)).body.status).toBe('CANCELLED');
    expect(await netPaid(t, id)).toBe(0);
  });

  it('if even the compensating refund fails, the money stays visible as a FAILED refund (never silently kept)', async () => {
    const id = await checkout(t, user).toPaying(seat());
    gateway.duringCharge = async () => clock.advance(301_000);
    gateway.refundBehaviour = 'unreachable';
    await checkout(t, user).confirm(id).expect(409);
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: 30000 },
      { type: 'REFUND', status: 'FAILED', amount: 30000 },
    ]);
  });
});
