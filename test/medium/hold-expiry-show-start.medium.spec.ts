import { DomainError } from '../../src/common/errors/domain-error';
import { CheckoutModule } from '../../src/modules/checkout/checkout.module';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import { ledger, reservationStatus, seatStatus, walletBalance } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
import { until } from '../support/wait';

/**
 * A hold never outlives the show's start: taken less than HOLD_TTL_SECONDS (default 300) before the
 * concert, it expires at concertDate, so nothing is paid for a show that has started. Wallet provider, so
 * "no money moved" is the wallet balance itself.
 */
describe('a hold taken shortly before the show', () => {
  let t: ModuleContext;
  let fan: Fan;

  beforeAll(async () => {
    t = await startModules([CheckoutModule], { env: { PAYMENT_PROVIDER: 'wallet' } });
    fan = await t.newUser();
  });
  afterAll(() => t.close());
  afterEach(() => t.clock.reset());

  it('expires at concertDate; a confirm after the start is HOLD_EXPIRED and moves no money', async () => {
    const concertDate = new Date(t.clock.now().getTime() + 60_000);
    const { seatIds } = await t.newShow({ seats: 1, concertDate });
    const held = await t.hold(fan, seatIds[0]);
    expect(held.holdExpiresAt).toEqual(concertDate);
    await t.get(ReservationTransitions).paying(fan.principal, held.id);
    const before = await walletBalance(t, fan.id);

    t.clock.advance(60_300); // T + 0.3 s, as in the report
    const refusal = await t.confirm(fan, held.id).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).code).toBe('HOLD_EXPIRED');
    expect(await reservationStatus(t, held.id)).toBe('EXPIRED');
    expect(await seatStatus(t, seatIds[0])).toBe('AVAILABLE');
    expect(await ledger(t, held.id)).toEqual([]);
    expect(await walletBalance(t, fan.id)).toBe(before);
  });

  it('is expired by the scheduler at the start, after one warning with the time actually left', async () => {
    const concertDate = new Date(Date.now() + 3000);
    const { seatIds } = await t.newShow({ seats: 1, concertDate });
    const held = await t.hold(fan, seatIds[0]);
    expect(held.holdExpiresAt).toEqual(concertDate);

    await until(async () => (await reservationStatus(t, held.id)) === 'EXPIRED', 8000, 'EXPIRED');
    const [row] = await t.dataSource.query(
      `SELECT extract(epoch FROM expired_at - hold_expires_at) * 1000 AS late FROM reservations WHERE id = $1`,
      [held.id],
    );
    expect(Number(row.late)).toBeGreaterThanOrEqual(0);
    expect(Number(row.late)).toBeLessThan(1000);
    // HOLD_EXPIRY_WARNING_SECONDS (60) is longer than this hold: the warning is due at once, and says so.
    const warnings: { payload: { holdExpiresAt: string; secondsLeft: number }; occurredAt: Date }[] =
      await t.dataSource.query(
        `SELECT payload, occurred_at AS "occurredAt" FROM outbox_events
          WHERE event_type = 'HOLD_EXPIRING' AND reservation_id = $1`,
        [held.id],
      );
    expect(warnings).toHaveLength(1);
    expect(warnings[0].payload.holdExpiresAt).toBe(concertDate.toISOString());
    expect(warnings[0].occurredAt.getTime()).toBeLessThan(concertDate.getTime());
    expect(warnings[0].payload.secondsLeft).toBeLessThanOrEqual(3);
  });

  it('keeps the full HOLD_TTL_SECONDS when the show is further away', async () => {
    const { seatIds } = await t.newShow({ seats: 1, concertDate: new Date(Date.now() + 301_000) });
    t.clock.freezeAt(new Date());
    const held = await t.hold(fan, seatIds[0]);
    expect(held.holdExpiresAt.getTime()).toBe(t.clock.now().getTime() + 300_000);
  });
});
