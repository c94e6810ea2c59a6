import { checkout } from '../support/checkout';
import { bearer, createUser, TestUser } from '../support/factories';
import { ledger } from '../support/fixtures';
import { expectError, stateSnapshot } from '../support/http';
import { moneyAndSeatProblems } from '../../support/invariants';
import { TestApp } from '../support/test-app';
import { startWorld, World } from '../support/world';

const HOUR = 3600 * 1000;

/** POST /api/reservations/v7/cancel/bulk: each id on its own, one result per id, in the order given. */
describe('bulk cancel', () => {
  // The show 48 h ahead: the refund cutoff is 24 h from now, so paid tickets may be refunded today.
  const concertDate = new Date(Date.now() + 48 * HOUR);
  let w: World;
  let t: TestApp;
  let fan: TestUser;
  let stranger: TestUser;
  const bulk = (ids: unknown, as: TestUser = fan) =>
    t.http().post('/api/reservations/v7/cancel/bulk').set(bearer(as)).send({ reservationIds: ids });

  beforeAll(async () => {
    w = await startWorld({ seats: 60, concertDate });
    t = w.t;
    fan = w.user;
    stranger = await createUser(t);
  });
  afterEach(() => w.clock.reset());
  afterAll(() => w.close());

  it('cancels HOLD and PAYING, refunds CONFIRMED, and reports each refusal without undoing the others', async () => {
    const c = checkout(t, fan);
    const held = (await c.hold(w.seat()).expect(201)).body.id;
    const paying = await c.toPaying(w.seat());
    const paid = (await w.confirmedTicket()).id;
    const cancelled = (await c.hold(w.seat()).expect(201)).body.id;
    await c.cancel(cancelled).expect(200);
    const foreign = (await checkout(t, stranger).hold(w.seat()).expect(201)).body.id;

    const res = await bulk([held, foreign, paying, 999_999, paid, cancelled]).expect(200);
    expect(res.body).toEqual({
      results: [
        { reservationId: held, status: 'CANCELLED', errorCode: null },
        { reservationId: foreign, status: null, errorCode: 'NOT_FOUND' },
        { reservationId: paying, status: 'CANCELLED', errorCode: null },
        { reservationId: 999_999, status: null, errorCode: 'NOT_FOUND' },
        { reservationId: paid, status: 'REFUNDED', errorCode: null },
        { reservationId: cancelled, status: 'CANCELLED', errorCode: 'INVALID_STATE_TRANSITION' },
      ],
    });
    expect((await checkout(t, stranger).get(foreign).expect(200)).body.status).toBe('HOLD');
    expect((await ledger(t, paid)).map((r) => `${r.type}:${r.status}`)).toEqual([
      'PAYMENT:SUCCESS',
      'REFUND:SUCCESS',
    ]);
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });

  it('keeps a paid ticket after the cutoff (REFUND_CUTOFF_PASSED) while cancelling the rest', async () => {
    const paid = (await w.confirmedTicket()).id;
    w.clock.advance(25 * HOUR);
    const held = (await checkout(t, fan).hold(w.seat()).expect(201)).body.id;
    const res = await bulk([paid, held]).expect(200);
    expect(res.body.results).toEqual([
      { reservationId: paid, status: 'CONFIRMED', errorCode: 'REFUND_CUTOFF_PASSED' },
      { reservationId: held, status: 'CANCELLED', errorCode: null },
    ]);
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });

  it.each([
    ['no ids', []],
    ['21 ids', Array.from({ length: 21 }, (_, i) => i + 1)],
    ['10,000 ids', Array.from({ length: 10_000 }, (_, i) => i + 1)],
    ['a repeated id', [1, 1]],
    ['id 0', [0]],
    ['a negative id', [-1]],
    ['an id past integer range', [2_147_483_648]],
    ['a fractional id', [1.5]],
    ['ids as strings', ['1']],
    ['null in the list', [null]],
    ['an object in the list', [{ id: 1 }]],
    ['a single id', 1],
    ['a string', '1,2'],
    ['no list at all', undefined],
  ])('refuses %s with 400 VALIDATION_FAILED and changes nothing', async (_what, ids) => {
    const held = (await checkout(t, fan).hold(w.seat()).expect(201)).body.id;
    const before = await stateSnapshot(t);
    const body = ids === undefined ? {} : { reservationIds: ids };
    const res = await t.http().post('/api/reservations/v7/cancel/bulk').set(bearer(fan)).send(body);
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(await stateSnapshot(t)).toEqual(before);
    await checkout(t, fan).cancel(held).expect(200);
  });

  it('needs a token', async () => {
    expectError(
      await t
        .http()
        .post('/api/reservations/v7/cancel/bulk')
        .send({ reservationIds: [1] }),
      401,
      'UNAUTHENTICATED',
    );
  });
});
