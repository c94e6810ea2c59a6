import { RefundModule } from '../../src/modules/refund/refund.module';
import { RefundService } from '../../src/modules/refund/refund.service';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import { ledger, netPaid, reservationStatus, seatStatus } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
import { TestGateway } from '../support/test-gateway';

const HOUR = 3600 * 1000;

/**
 * The user's refund and cancel of a paid ticket, the rules without HTTP: the 24-hour cutoff on the fake
 * clock, what may be refunded, the ledger and the seat. Moved from test/e2e/refund.e2e.spec.ts, which keeps
 * one test per answer's HTTP shape (200, 409 REFUND_CUTOFF_PASSED, 409 REFUND_NOT_ALLOWED, 404, 502).
 */
describe('refund cutoff and refundable states (refund module on PostgreSQL)', () => {
  const gateway = new TestGateway();
  // A whole second, 48 h ahead: the cutoff (24 h before the show) is 24 h from now on the fake clock.
  const concertDate = new Date(Math.ceil((Date.now() + 48 * HOUR) / 1000) * 1000);
  const cutoffAt = new Date(concertDate.getTime() - 24 * HOUR);
  let t: ModuleContext;
  let user: Fan;
  let seatIds: number[];
  let nextSeat = 0;
  const seat = () => seatIds[nextSeat++];
  const refunds = () => t.get(RefundService);

  beforeAll(async () => {
    t = await startModules([RefundModule], { env: { MAX_ACTIVE_HOLDS_PER_USER: '0' }, gateway });
    user = await t.newUser();
    seatIds = (await t.newShow({ seats: 40, price: 70000, concertDate })).seatIds;
  });
  afterAll(() => t.close());
  beforeEach(() => {
    t.clock.reset();
    gateway.reset();
  });

  /** Moves the fake clock so that "now" is `at` (plus the few ms the test takes). */
  const setNow = (at: Date) => {
    t.clock.reset();
    t.clock.advance(at.getTime() - Date.now());
  };
  async function confirmed(): Promise<{ id: number; seatId: number }> {
    const seatId = seat();
    return { id: await t.confirmedTicket(user, seatId), seatId };
  }

  it('refunds a CONFIRMED ticket before the cutoff: REFUNDED, seat AVAILABLE, one SUCCESS REFUND row', async () => {
    const { id, seatId } = await confirmed();
    const view = await refunds().refundByUser(user.principal, id);
    expect(view).toMatchObject({ id, status: 'REFUNDED', paymentStatus: 'SUCCESS' });
    expect(view.refundedAt).not.toBeNull();
    expect(new Date(view.refundCutoffAt).toISOString()).toBe(cutoffAt.toISOString());
    expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: 70000 },
      { type: 'REFUND', status: 'SUCCESS', amount: 70000 },
    ]);
    expect(await netPaid(t, id)).toBe(0);
    expect(gateway.refundCalls).toBe(1);
    // The freed seat can be sold again.
    expect((await t.hold(user, seatId)).status).toBe('HOLD');
  });

  it('answers a repeated refund unchanged, without a second REFUND row or gateway call', async () => {
    const { id } = await confirmed();
    const first = await refunds().refundByUser(user.principal, id);
    const again = await refunds().refundByUser(user.principal, id);
    expect(again).toEqual(first);
    expect((await ledger(t, id)).filter((r) => r.type === 'REFUND')).toHaveLength(1);
    expect(gateway.refundCalls).toBe(1);
  });

  it('still refunds a minute before the cutoff, and a millisecond before it', async () => {
    const early = await confirmed();
    setNow(new Date(cutoffAt.getTime() - 60_000));
    expect((await refunds().refundByUser(user.principal, early.id)).status).toBe('REFUNDED');
    const late = await confirmed();
    t.clock.freezeAt(new Date(cutoffAt.getTime() - 1));
    expect((await refunds().refundByUser(user.principal, late.id)).status).toBe('REFUNDED');
  });

  it('refuses a refund at the cutoff instant and after it (REFUND_CUTOFF_PASSED) and changes nothing', async () => {
    const { id, seatId } = await confirmed();
    for (const at of [cutoffAt, new Date(cutoffAt.getTime() + 1000)]) {
      t.clock.freezeAt(at);
      await expect(refunds().refundByUser(user.principal, id)).rejects.toMatchObject({
        code: 'REFUND_CUTOFF_PASSED',
      });
    }
    expect(await reservationStatus(t, id)).toBe('CONFIRMED');
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    expect(await ledger(t, id)).toEqual([{ type: 'PAYMENT', status: 'SUCCESS', amount: 70000 }]);
    expect(gateway.refundCalls).toBe(0);
  });

  it('cancel of a CONFIRMED ticket before the cutoff refunds it in the same call', async () => {
    const { id, seatId } = await confirmed();
    const view = await refunds().cancel(user.principal, id);
    expect(view).toMatchObject({ id, status: 'REFUNDED', cancelledAt: null });
    expect(view.refundedAt).not.toBeNull();
    expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: 70000 },
      { type: 'REFUND', status: 'SUCCESS', amount: 70000 },
    ]);
  });

  it('cancel of a CONFIRMED ticket after the cutoff is REFUND_CUTOFF_PASSED and keeps both seat and money', async () => {
    const { id, seatId } = await confirmed();
    setNow(new Date(cutoffAt.getTime() + 1000));
    await expect(refunds().cancel(user.principal, id)).rejects.toMatchObject({
      code: 'REFUND_CUTOFF_PASSED',
    });
    expect(await reservationStatus(t, id)).toBe('CONFIRMED');
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    expect(await netPaid(t, id)).toBe(70000);
  });

  it('refuses to refund what was never paid: HOLD, PAYING, CANCELLED, EXPIRED → REFUND_NOT_ALLOWED', async () => {
    const hold = (await t.hold(user, seat())).id;
    const paying = await t.toPaying(user, seat());
    const declined = await t.toPaying(user, seat());
    await t.confirm(user, declined, { mockOutcome: 'decline' });
    const cancelled = await t.toPaying(user, seat());
    await refunds().cancel(user.principal, cancelled);
    const expired = (await t.hold(user, seat())).id;
    t.clock.advance(301_000); // past HOLD_TTL_SECONDS (300)
    await expect(t.get(ReservationTransitions).paying(user.principal, expired)).rejects.toMatchObject({
      code: 'HOLD_EXPIRED',
    });
    t.clock.reset();

    const expected: [number, string][] = [
      [hold, 'HOLD'],
      [paying, 'PAYING'],
      [declined, 'PAYING'],
      [cancelled, 'CANCELLED'],
      [expired, 'EXPIRED'],
    ];
    for (const [id, status] of expected) {
      await expect(refunds().refundByUser(user.principal, id)).rejects.toMatchObject({
        code: 'REFUND_NOT_ALLOWED',
      });
      expect(await reservationStatus(t, id)).toBe(status);
      expect((await ledger(t, id)).filter((r) => r.type === 'REFUND')).toEqual([]);
    }
    expect(gateway.refundCalls).toBe(0);
  });

  it("refuses another user's ticket as NOT_FOUND, for refund and cancel, and refunds nothing", async () => {
    const { id } = await confirmed();
    const other = await t.newUser();
    await expect(refunds().refundByUser(other.principal, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(refunds().cancel(other.principal, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await reservationStatus(t, id)).toBe('CONFIRMED');
    expect(gateway.refundCalls).toBe(0);
  });

  it('gateway unreachable: PAYMENT_GATEWAY_ERROR, a FAILED REFUND row, reservation unchanged; a retry succeeds', async () => {
    const { id, seatId } = await confirmed();
    gateway.refundBehaviour = 'unreachable';
    await expect(refunds().refundByUser(user.principal, id)).rejects.toMatchObject({
      code: 'PAYMENT_GATEWAY_ERROR',
    });
    expect(await reservationStatus(t, id)).toBe('CONFIRMED');
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: 70000 },
      { type: 'REFUND', status: 'FAILED', amount: 70000 },
    ]);

    gateway.refundBehaviour = 'ok';
    expect((await refunds().refundByUser(user.principal, id)).status).toBe('REFUNDED');
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: 70000 },
      { type: 'REFUND', status: 'FAILED', amount: 70000 },
      { type: 'REFUND', status: 'SUCCESS', amount: 70000 },
    ]);
    expect(await netPaid(t, id)).toBe(0);
  });

  it('gateway declines the refund on cancel: PAYMENT_GATEWAY_ERROR, FAILED row, ticket kept; a retry succeeds', async () => {
    const { id, seatId } = await confirmed();
    gateway.refundBehaviour = 'decline';
    await expect(refunds().cancel(user.principal, id)).rejects.toMatchObject({
      code: 'PAYMENT_GATEWAY_ERROR',
    });
    expect(await reservationStatus(t, id)).toBe('CONFIRMED');
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    const failed: { failure_reason: string }[] = await t.dataSource.query(
      `SELECT failure_reason FROM payment_transactions WHERE reservation_id = $1 AND type = 'REFUND'`,
      [id],
    );
    expect(failed).toEqual([{ failure_reason: 'REFUND_DECLINED (test gateway)' }]);

    gateway.refundBehaviour = 'ok';
    expect((await refunds().cancel(user.principal, id)).status).toBe('REFUNDED');
  });
});
