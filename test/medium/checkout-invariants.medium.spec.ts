import fc from 'fast-check';
import { DomainError } from '../../src/common/errors/domain-error';
import { ERROR_STATUS } from '../../src/common/errors/error-codes';
import { RefundModule } from '../../src/modules/refund/refund.module';
import { RefundService } from '../../src/modules/refund/refund.service';
import { HoldExpiryService } from '../../src/modules/reservation/expiry/hold-expiry.service';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import { moneyAndSeatProblems } from '../../support/invariants';
import { Fan, ModuleContext, startModules } from '../support/module-harness';

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
  let t: ModuleContext;
  let users: Fan[];

  beforeAll(async () => {
    t = await startModules([RefundModule], { env: { MAX_ACTIVE_HOLDS_PER_USER: '0' } });
    users = await Promise.all(Array.from({ length: USERS }, () => t.newUser()));
  });
  afterAll(() => t.close());

  /** Runs one lifecycle call; a refusal must be one the contract answers 409 (a state conflict). */
  async function attempt<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof DomainError) || ERROR_STATUS[err.code] !== 409) throw err;
      return undefined;
    }
  }

  it('holds for every random sequence of lifecycle calls', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 6, maxLength: 24, size: 'max' }), async (ops) => {
        const { seatIds } = await t.newShow({ seats: SEATS, price: 10000 });
        const mine: number[][] = users.map(() => []);
        for (const op of ops) {
          if (op.kind === 'expire') {
            t.clock.advance(301_000);
            await t.get(HoldExpiryService).sweep(100);
          } else if (op.kind === 'hold') {
            const held = await attempt(() => t.hold(users[op.user], seatIds[op.seat]));
            if (held) mine[op.user].push(held.id);
          } else {
            const ids = mine[op.user];
            if (ids.length === 0) continue;
            const id = ids[ids.length - 1 - (op.pick % ids.length)];
            const fan = users[op.user];
            const refunds = t.get(RefundService);
            await attempt(() =>
              op.kind === 'confirm'
                ? t.confirm(fan, id, { mockOutcome: op.outcome })
                : op.kind === 'paying'
                  ? t.get(ReservationTransitions).paying(fan.principal, id)
                  : op.kind === 'cancel'
                    ? refunds.cancel(fan.principal, id)
                    : refunds.refundByUser(fan.principal, id),
            );
          }
          expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
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
