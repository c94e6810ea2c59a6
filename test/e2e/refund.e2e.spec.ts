import { OutboxRepository } from '../../src/infra/outbox/outbox.repository';
import { checkout } from '../support/checkout';
import { ledger, netPaid, seatStatus } from '../support/fixtures';
import { createUser, TestOption, TestUser } from '../support/factories';
import { TestGateway } from '../support/test-gateway';
import { FakeClock } from '../support/fake-clock';
import { TestApp } from '../support/test-app';
import { startWorld, World } from '../support/world';

const HOUR = 3600 * 1000;

/** User refund and cancel of paid tickets: the 24-hour cutoff on the injected clock, the ledger, the outbox. */
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

  it('still refunds a minute before the cutoff', async () => {
    const { id } = await confirmed();
    setNow(new Date(cutoffAt.getTime() - 60_000));
    const res = await c.refund(id).expect(200);
    expect(res.body.status).toBe('REFUNDED');
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

  it('cancel of a CONFIRMED ticket before the cutoff refunds it in the same call', async () => {
    const { id, seatId } = await confirmed();
    const res = await c.cancel(id).expect(200);
    expect(res.body).toMatchObject({ id, status: 'REFUNDED', cancelledAt: null });
    expect(res.body.refundedAt).not.toBeNull();
    expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: 70000 },
      { type: 'REFUND', status: 'SUCCESS', amount: 70000 },
    ]);
  });

  it('cancel of a CONFIRMED ticket after the cutoff is 409 and keeps both seat and money', async () => {
    const { id, seatId } = await confirmed();
    setNow(new Date(cutoffAt.getTime() + 1000));
    const res = await c.cancel(id).expect(409);
    expect(res.body.errorCode).toBe('REFUND_CUTOFF_PASSED');
    expect((await c.get(id).expect(200)).body).toMatchObject({ status: 'CONFIRMED', cancelledAt: null });
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    expect(await netPaid(t, id)).toBe(70000);
  });

  it('refuses to refund what was never paid: HOLD, PAYING, CANCELLED, EXPIRED → 409 REFUND_NOT_ALLOWED', async () => {
    const hold = (await c.hold(seat()).expect(201)).body.id as number;
    const paying = await c.toPaying(seat());
    const declined = await c.toPaying(seat());
    await c.confirm(declined, { mockOutcome: 'decline' }).expect(200);
    const cancelled = await c.toPaying(seat());
    await c.cancel(cancelled).expect(200);
    const expired = (await c.hold(seat()).expect(201)).body.id as number;
    clock.advance(301_000); // past HOLD_TTL_SECONDS (300)
    await c.paying(expired).expect(409); // HOLD_EXPIRED: the row is EXPIRED now
    clock.reset();

    const expected: [number, string][] = [
      [hold, 'HOLD'],
      [paying, 'PAYING'],
      [declined, 'PAYING'],
      [cancelled, 'CANCELLED'],
      [expired, 'EXPIRED'],
    ];
    for (const [id, status] of expected) {
      const res = await c.refund(id).expect(409);
      expect(res.body.errorCode).toBe('REFUND_NOT_ALLOWED');
      expect((await c.get(id).expect(200)).body.status).toBe(status);
      expect((await ledger(t, id)).filter((r) => r.type === 'REFUND')).toEqual([]);
    }
    expect(gateway.refundCalls).toBe(0);
  });

  it("answers 404 for another user's ticket and refunds nothing", async () => {
    const { id } = await confirmed();
    const other = checkout(t, await createUser(t));
    expect((await other.refund(id).expect(404)).body.errorCode).toBe('NOT_FOUND');
    expect((await other.cancel(id).expect(404)).body.errorCode).toBe('NOT_FOUND');
    expect((await c.get(id).expect(200)).body.status).toBe('CONFIRMED');
  });

  it('gateway unreachable: 502, a FAILED REFUND row, reservation unchanged; a retry succeeds', async () => {
    const { id, seatId } = await confirmed();
    gateway.refundBehaviour = 'unreachable';
    const res = await c.refund(id).expect(502);
    expect(res.body).toMatchObject({ status: 502, errorCode: 'PAYMENT_GATEWAY_ERROR' });
    expect((await c.get(id).expect(200)).body).toMatchObject({ status: 'CONFIRMED', refundedAt: null });
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: 70000 },
      { type: 'REFUND', status: 'FAILED', amount: 70000 },
    ]);

    gateway.refundBehaviour = 'ok';
    expect((await c.refund(id).expect(200)).body.status).toBe('REFUNDED');
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: 70000 },
      { type: 'REFUND', status: 'FAILED', amount: 70000 },
      { type: 'REFUND', status: 'SUCCESS', amount: 70000 },
    ]);
    expect(await netPaid(t, id)).toBe(0);
  });

  it('gateway declines the refund on cancel: 502, FAILED row, ticket kept; a retry succeeds', async () => {
    const { id, seatId } = await confirmed();
    gateway.refundBehaviour = 'decline';
    expect((await c.cancel(id).expect(502)).body.errorCode).toBe('PAYMENT_GATEWAY_ERROR');
    expect((await c.get(id).expect(200)).body.status).toBe('CONFIRMED');
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    const failed: { failure_reason: string }[] = await t.dataSource.query(
      `SELECT failure_reason FROM payment_transactions WHERE reservation_id = $1 AND type = 'REFUND'`,
      [id],
    );
    expect(failed).toEqual([{ failure_reason: 'REFUND_DECLINED (test gateway)' }]);

    gateway.refundBehaviour = 'ok';
    expect((await c.cancel(id).expect(200)).body.status).toBe('REFUNDED');
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
});
