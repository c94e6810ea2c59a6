import { OutboxRepository } from '../../src/infra/outbox/outbox.repository';
import { checkout } from '../support/checkout';
import { ledger, netPaid, seatStatus } from '../support/fixtures';
import { moneyAndSeatProblems } from '../../support/invariants';
import { createUser, TestOption, TestUser } from '../support/factories';
import { TestGateway } from '../support/test-gateway';
import { FakeClock } from '../support/fake-clock';
import { TestApp } from '../support/test-app';
import { startWorld, World } from '../support/world';

const HOUR = 3600 * 1000;

/**
 * User refund and cancel of paid tickets through HTTP: one test per answer's shape, the races, the outbox.
 * The rules themselves (the cutoff at its boundary, refundable states, the ledger after a gateway failure)
 * are in test/medium/refund-cutoff.medium.spec.ts.
 */
describe('refunds and cancels by the ticket owner (mock provider)', () => {
  const gateway = new TestGateway();
  // A whole second, 48 h ahead: the cutoff (24 h before the show) is 24 h from now on the fake clock.
  const concertDate = new Date(Math.ceil((Date.now() + 48 * HOUR) / 1000) * 1000);
  const cutoffAt = new Date(concertDate.getTime() - 24 * HOUR);
  let w: World;
  let t: TestApp;
  let clock: FakeClock;
  let user: TestUser;
  let option: TestOption;
  let c: ReturnType<typeof checkout>;

  beforeAll(async () => {
    w = await startWorld({ gateway, seats: 60, price: 70000, concertDate });
    ({ t, clock, user, option } = w);
    c = checkout(t, user);
  });
  afterAll(() => w.close());
  beforeEach(() => {
    clock.reset();
    gateway.reset();
  });

  const seat = () => w.seat();
  /** Moves the fake clock so that "now" is `at` (plus the few ms the test takes). */
  const setNow = (at: Date) => {
    clock.reset();
    clock.advance(at.getTime() - Date.now());
  };

  const confirmed = () => w.confirmedTicket();

  /** The events the relay publishes for this reservation's outbox rows (keyed by its seat), in order. */
  async function outboxFor(id: number, seatId: number) {
    return t.dataSource.query(
      `SELECT e.type, e.status FROM outbox_events o
         CROSS JOIN LATERAL (VALUES (1, 'RESERVATION_STATUS', o.status),
                                    (2, 'SEAT_STATUS', o.seat_status)) AS e(n, type, status)
        WHERE o.partition_key = $2 AND o.reservation_id = $1 AND e.status IS NOT NULL
        ORDER BY o.id, e.n`,
      [id, `${option.optionId}:${seatId}`],
    ) as Promise<{ type: string; status: string }[]>;
  }

  it('refunds a CONFIRMED ticket before the cutoff: REFUNDED, seat AVAILABLE, one SUCCESS REFUND row', async () => {
    const { id, seatId } = await confirmed();
    const res = await c.refund(id).expect(200);
    expect(res.body).toMatchObject({ id, status: 'REFUNDED', paymentStatus: 'SUCCESS' });
    expect(res.body.refundedAt).toMatch(/Z$/);
    expect(res.body.refundCutoffAt).toBe(cutoffAt.toISOString());
    expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: 70000 },
      { type: 'REFUND', status: 'SUCCESS', amount: 70000 },
    ]);
    expect(await netPaid(t, id)).toBe(0);
    expect(gateway.refundCalls).toBe(1);
    // The freed seat can be sold again.
    await c.hold(seatId).expect(201);
  });

  it('answers a repeated refund 200 unchanged, without a second REFUND row or gateway call', async () => {
    const { id } = await confirmed();
    const first = await c.refund(id).expect(200);
    const again = await c.refund(id).expect(200);
    expect(again.body).toEqual(first.body);
    expect((await ledger(t, id)).filter((r) => r.type === 'REFUND')).toHaveLength(1);
    expect(gateway.refundCalls).toBe(1);
  });

  it('refuses a refund after the cutoff with 409 REFUND_CUTOFF_PASSED and changes nothing', async () => {
    const { id, seatId } = await confirmed();
    const eventsBefore = await outboxFor(id, seatId);
    setNow(new Date(cutoffAt.getTime() + 1000));
    const res = await c.refund(id).expect(409);
    expect(res.body).toMatchObject({ status: 409, errorCode: 'REFUND_CUTOFF_PASSED' });
    expect((await c.get(id).expect(200)).body).toMatchObject({ status: 'CONFIRMED', refundedAt: null });
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    expect(await ledger(t, id)).toEqual([{ type: 'PAYMENT', status: 'SUCCESS', amount: 70000 }]);
    expect(await outboxFor(id, seatId)).toEqual(eventsBefore);
    expect(gateway.refundCalls).toBe(0);
  });

  it('refuses to refund what was never paid with 409 REFUND_NOT_ALLOWED (the states: refund-cutoff.medium)', async () => {
    const hold = (await c.hold(seat()).expect(201)).body.id as number;
    const res = await c.refund(hold).expect(409);
    expect(res.body).toMatchObject({ status: 409, errorCode: 'REFUND_NOT_ALLOWED' });
    expect((await c.get(hold).expect(200)).body.status).toBe('HOLD');
    expect(gateway.refundCalls).toBe(0);
  });

  it("answers 404 for another user's ticket and refunds nothing", async () => {
    const { id } = await confirmed();
    const other = checkout(t, await createUser(t));
    expect((await other.refund(id).expect(404)).body.errorCode).toBe('NOT_FOUND');
    expect((await other.cancel(id).expect(404)).body.errorCode).toBe('NOT_FOUND');
    expect((await c.get(id).expect(200)).body.status).toBe('CONFIRMED');
  });

  it('gateway unreachable: 502 PAYMENT_GATEWAY_ERROR, reservation unchanged (the ledger: refund-cutoff.medium)', async () => {
    const { id } = await confirmed();
    gateway.refundBehaviour = 'unreachable';
    const res = await c.refund(id).expect(502);
    expect(res.body).toMatchObject({ status: 502, errorCode: 'PAYMENT_GATEWAY_ERROR' });
    expect((await c.get(id).expect(200)).body).toMatchObject({ status: 'CONFIRMED', refundedAt: null });
    gateway.refundBehaviour = 'ok';
    expect((await c.refund(id).expect(200)).body.status).toBe('REFUNDED');
  });

  it('10 parallel refund/cancel calls refund exactly once, without deadlocks (3 rounds)', async () => {
    for (let round = 0; round < 3; round++) {
      gateway.reset();
      const { id } = await confirmed();
      const kinds = Array.from({ length: 10 }, (_, i) => (i % 2 ? 'cancel' : 'refund'));
      const responses = await Promise.all(kinds.map((k) => (k === 'cancel' ? c.cancel(id) : c.refund(id))));
      responses.forEach((res, i) => {
        // A call that arrives while the refund is in flight is told so; a later refund sees REFUNDED (200),
        // a later cancel finds a final status (the contract's INVALID_STATE_TRANSITION).
        if (res.status === 200) return expect(res.body.status).toBe('REFUNDED');
        expect(res.status).toBe(409);
        const allowed = ['A refund for this reservation is already in progress'];
        if (kinds[i] === 'cancel') allowed.push('Cannot cancel a reservation that is REFUNDED');
        expect(allowed).toContain(res.body.message);
      });
      expect(responses.some((r) => r.status === 200)).toBe(true);
      const refunds = (await ledger(t, id)).filter((r) => r.type === 'REFUND');
      expect(refunds).toEqual([{ type: 'REFUND', status: 'SUCCESS', amount: 70000 }]);
      expect(gateway.refundCalls).toBe(1);
      expect((await c.get(id).expect(200)).body.status).toBe('REFUNDED');
      expect(await netPaid(t, id)).toBe(0);
    }
  });

  it('the database itself refuses a second PENDING or SUCCESS refund row for a reservation', async () => {
    const { id } = await confirmed();
    await c.refund(id).expect(200);
    await expect(
      t.dataSource.query(
        `INSERT INTO payment_transactions (user_id, reservation_id, type, status, payment_provider, amount, idempotency_key)
         VALUES ($1, $2, 'REFUND', 'PENDING', 'mock', 70000, $3)`,
        [user.id, id, `second-refund-${id}`],
      ),
    ).rejects.toThrow(/payment_transactions_one_refund/);
  });

  it('writes RESERVATION_STATUS and SEAT_STATUS AVAILABLE to the outbox for REFUNDED and CANCELLED', async () => {
    const paid = await confirmed();
    await c.refund(paid.id).expect(200);
    expect((await outboxFor(paid.id, paid.seatId)).slice(-2)).toEqual(
      expect.arrayContaining([
        { type: 'RESERVATION_STATUS', status: 'REFUNDED' },
        { type: 'SEAT_STATUS', status: 'AVAILABLE' },
      ]),
    );

    const unpaidSeat = seat();
    const unpaid = { id: await c.toPaying(unpaidSeat), seatId: unpaidSeat };
    await c.cancel(unpaid.id).expect(200);
    expect((await outboxFor(unpaid.id, unpaid.seatId)).slice(-2)).toEqual(
      expect.arrayContaining([
        { type: 'RESERVATION_STATUS', status: 'CANCELLED' },
        { type: 'SEAT_STATUS', status: 'AVAILABLE' },
      ]),
    );
    // As the relay and the SSE replay build it from the outbox row:
    const replayed = await t.app.get(OutboxRepository).userEventsAfter(user.id, 0, 1000);
    expect(
      replayed.filter((e) => e.type === 'RESERVATION_STATUS' && e.reservationId === paid.id).pop(),
    ).toMatchObject({
      reservationId: paid.id,
      userId: user.id,
      seatId: paid.seatId,
      optionId: option.optionId,
      status: 'REFUNDED',
      paymentStatus: 'SUCCESS',
    });
  });

  // From test/e2e/hardening/refund-race.e2e.spec.ts (hardening 5): a fan racing their own refund got 409s.
  it('ten parallel refunds and cancels of one ticket all answer 200 REFUNDED, with one REFUND row', async () => {
    const { id } = await confirmed();
    // A slow PG keeps the first refund between its steps while the others arrive. This is not a wait for
    // a condition: it widens the race the test is about, and the answers do not depend on its length.
    gateway.beforeRefundAnswer = () => new Promise((resolve) => setTimeout(resolve, 300));
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? c.refund(id) : c.cancel(id))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.every((a) => a.body.status === 'REFUNDED')).toBe(true);
    const rows = (await ledger(t, id)).filter((r) => r.type === 'REFUND');
    expect(rows.map((r) => r.status)).toEqual(['SUCCESS']);
    expect(gateway.refundCalls).toBe(1);
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });
});
