import fc from 'fast-check';
import { HoldExpiryService } from '../../src/modules/reservation/expiry/hold-expiry.service';
import { SEAT_STATUS_FOR, ReservationStatus } from '../../src/modules/reservation/reservation-state';
import { checkout } from '../support/checkout';
import { createAdmin, createOption, createUser, TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { startTestApp, TestApp } from '../support/test-app';

type Op =
  | { kind: 'hold'; user: number; seat: number }
  | { kind: 'paying' | 'cancel' | 'refund'; user: number; pick: number }
  | { kind: 'confirm'; user: number; pick: number; outcome: 'approve' | 'decline' | 'pending' }
  | { kind: 'expire' };

const USERS = 3;
const SEATS = 3;

const user = fc.nat(USERS - 1);
/** Mostly the user's newest reservation, so sequences often carry one reservation all the way through. */
const pick = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(20) });
const reservationOp = (kind: 'paying' | 'cancel' | 'refund') =>
  fc.record({ kind: fc.constant(kind), user, pick }) as fc.Arbitrary<Op>;

/** Weighted so that sequences often get as far as CONFIRMED and REFUNDED before an expiry wipes them. */
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('hold' as const), user, seat: fc.nat(SEATS - 1) }) },
  { weight: 3, arbitrary: reservationOp('paying') },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('confirm' as const),
      user,
      pick,
      // A PENDING mock attempt never settles here (no webhook), so it is rarer, or little would get paid.
      outcome: fc.oneof(
        { weight: 4, arbitrary: fc.constant('approve' as const) },
        { weight: 2, arbitrary: fc.constant('decline' as const) },
        { weight: 1, arbitrary: fc.constant('pending' as const) },
      ),
    }),
  },
  { weight: 1, arbitrary: reservationOp('cancel') },
  { weight: 2, arbitrary: reservationOp('refund') },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
);

/**
 * Random sequences of hold / paying / confirm(approve|decline|pending) / cancel / refund / expire across a few
 * seats and users, with the contract's invariants checked after every step.
 */
describe('checkout invariants (property)', () => {
  let t: TestApp;
  let users: TestUser[];
  let admin: TestUser;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await startTestApp({ MAX_ACTIVE_HOLDS_PER_USER: '0' }, { clock });
    admin = await createAdmin(t);
    users = await Promise.all(Array.from({ length: USERS }, () => createUser(t)));
  });
  afterAll(() => t.close());

  async function checkInvariants(optionId: number): Promise<void> {
    const doubleBooked = await t.dataSource.query(
      `SELECT seat_id FROM reservations WHERE option_id = $1 AND status IN ('HOLD','PAYING','CONFIRMED')
        GROUP BY seat_id HAVING count(*) > 1`,
      [optionId],
    );
    expect(doubleBooked).toEqual([]);

    const seats: { id: number; status: string; active: ReservationStatus | null }[] =
      await t.dataSource.query(
        `SELECT s.id, s.status, (SELECT r.status FROM reservations r WHERE r.seat_id = s.id
                                  AND r.status IN ('HOLD','PAYING','CONFIRMED')) AS active
         FROM seats s WHERE s.option_id = $1`,
        [optionId],
      );
    for (const seat of seats)
      expect(seat.status).toBe(seat.active ? SEAT_STATUS_FOR[seat.active] : 'AVAILABLE');

    const money: { status: ReservationStatus; amount: number; net: number }[] = await t.dataSource.query(
      `SELECT r.status, r.amount,
              COALESCE((SELECT sum(CASE WHEN p.type = 'PAYMENT' THEN p.amount ELSE -p.amount END)
                          FROM payment_transactions p WHERE p.reservation_id = r.id AND p.status = 'SUCCESS'), 0)::int AS net
         FROM reservations r WHERE r.option_id = $1`,
      [optionId],
    );
    for (const r of money) expect(r.net).toBe(r.status === 'CONFIRMED' ? r.amount : 0);

    expect(await t.dataSource.query('SELECT user_id FROM wallets WHERE balance_amount < 0')).toEqual([]);
  }

  it('holds for every random sequence of lifecycle calls', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 6, maxLength: 24, size: 'max' }), async (ops) => {
        const option = await createOption(t, admin, { seatCount: SEATS, price: 10000 });
        const mine: number[][] = users.map(() => []);
        for (const op of ops) {
          if (op.kind === 'expire') {
            clock.advance(301_000);
            await t.app.get(HoldExpiryService).sweep(100);
          } else if (op.kind === 'hold') {
            const res = await checkout(t, users[op.user]).hold(option.seatIds[op.seat]);
            expect([201, 409]).toContain(res.status);
            if (res.status === 201) mine[op.user].push(res.body.id);
          } else {
            const ids = mine[op.user];
            if (ids.length === 0) continue;
            const id = ids[ids.length - 1 - (op.pick % ids.length)];
            const api = checkout(t, users[op.user]);
            const res =
              op.kind === 'confirm'
                ? await api.confirm(id, { mockOutcome: op.outcome })
                : op.kind === 'paying'
                  ? await api.paying(id)
                  : op.kind === 'cancel'
                    ? await api.cancel(id)
                    : await api.refund(id);
            expect([200, 409]).toContain(res.status);
          }
          await checkInvariants(option.optionId);
        }
      }),
      // A fixed seed keeps CI reproducible (and the coverage check below stable); PROPERTY_SEED explores others.
      { numRuns: 60, seed: Number(process.env.PROPERTY_SEED ?? 20261125) },
    );
    // The runs must have exercised the whole state machine, or the property proved little. (With a random
    // PROPERTY_SEED this may fail for lack of coverage: that is a generator problem, not a service one.)
    const reached: { status: string }[] = await t.dataSource.query(
      'SELECT DISTINCT status FROM reservations',
    );
    expect(reached.map((r) => r.status).sort()).toEqual(
      expect.arrayContaining(['CANCELLED', 'CONFIRMED', 'EXPIRED', 'REFUNDED']),
    );
    const attempts: { status: string }[] = await t.dataSource.query(
      'SELECT DISTINCT status FROM payment_transactions',
    );
    expect(attempts.map((r) => r.status).sort()).toEqual(['FAILED', 'PENDING', 'SUCCESS']);
  }, 120_000);
});
