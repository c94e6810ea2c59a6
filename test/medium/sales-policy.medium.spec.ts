import { SalesPolicyService } from '../../src/modules/admission/sales-policy/sales-policy.service';
import { SeatLocksService } from '../../src/modules/admission/seat-locks/seat-locks.service';
import { CatalogModule } from '../../src/modules/catalog/catalog.module';
import { CatalogService } from '../../src/modules/catalog/catalog.service';
import { RefundModule } from '../../src/modules/refund/refund.module';
import { RefundService } from '../../src/modules/refund/refund.service';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import { Show } from '../support/fixtures';
import { moneyAndSeatProblems } from '../../support/invariants';
import { Fan, ModuleContext, startModules } from '../support/module-harness';

const HOUR = 3600_000;

/**
 * The sale windows at their exact boundaries, the presale tiers and the purchase limit, on the services
 * (admission, reservation, catalog) with PostgreSQL and the fake clock. Moved from
 * test/e2e/sales-policy.e2e.spec.ts, which keeps the policy and tier endpoints and one test per
 * refusal's HTTP shape (SALE_NOT_OPEN, PRESALE_TIER_REQUIRED, PURCHASE_LIMIT_REACHED, SALE_ENDED).
 */
describe('sale windows, presale tiers and the purchase limit (services on PostgreSQL)', () => {
  let t: ModuleContext;
  let show: Show;
  let next = 0;
  const seat = () => show.seatIds[next++];
  /** Presale 10:00–11:00 for GOLD and above, general sale from 12:00 (relative to the test's start). */
  let presaleStart: Date;
  let presaleEnd: Date;
  let generalStart: Date;

  const fanWithTier = async (tier: string) => {
    const fan = await t.newUser();
    await t.dataSource.query('UPDATE users SET tier = $2 WHERE id = $1', [fan.id, tier]);
    return fan;
  };
  const lock = (ctx: ModuleContext, fan: Fan, seatId: number) =>
    ctx.get(SeatLocksService).acquire(fan.principal, seatId);
  /** The sale as the catalog's concert list and option list both show it (they must agree). */
  const saleOf = async () => {
    const catalog = t.get(CatalogService);
    const concert = (await catalog.listConcerts()).find((c) => c.id === show.concertId)!;
    const [option] = await catalog.listOptions(show.concertId);
    expect(option.saleStatus).toBe(concert.saleStatus);
    return { saleStatus: concert.saleStatus, saleOpensAt: new Date(concert.saleOpensAt!).toISOString() };
  };
  const refused = (work: Promise<unknown>, code: string) => expect(work).rejects.toMatchObject({ code });

  beforeAll(async () => {
    t = await startModules([RefundModule, CatalogModule], { env: { MAX_ACTIVE_HOLDS_PER_USER: '0' } });
    show = await t.newShow({ seats: 80 });
    const base = Math.ceil(Date.now() / HOUR) * HOUR + 10 * HOUR;
    [presaleStart, presaleEnd, generalStart] = [0, 1, 2].map((h) => new Date(base + h * HOUR));
    await t.get(SalesPolicyService).put(show.concertId, {
      presaleStartAt: presaleStart.toISOString(),
      presaleEndAt: presaleEnd.toISOString(),
      presaleMinimumTier: 'GOLD',
      generalSaleStartAt: generalStart.toISOString(),
      maxReservationsPerUser: 4,
    });
  });
  afterEach(() => t.clock.reset());
  afterAll(() => t?.close());

  describe('sale windows at their exact boundaries', () => {
    it('says UPCOMING until the presale, PRESALE in it, UPCOMING after it, ON_SALE from the general start', async () => {
      const opensAt = presaleStart.toISOString();
      t.clock.freezeAt(new Date(presaleStart.getTime() - 1));
      expect(await saleOf()).toEqual({ saleStatus: 'UPCOMING', saleOpensAt: opensAt });
      t.clock.freezeAt(presaleStart);
      expect(await saleOf()).toEqual({ saleStatus: 'PRESALE', saleOpensAt: opensAt });
      t.clock.freezeAt(new Date(presaleEnd.getTime() - 1));
      expect(await saleOf()).toEqual({ saleStatus: 'PRESALE', saleOpensAt: opensAt });
      t.clock.freezeAt(presaleEnd);
      expect(await saleOf()).toEqual({ saleStatus: 'UPCOMING', saleOpensAt: opensAt });
      t.clock.freezeAt(generalStart);
      expect(await saleOf()).toEqual({ saleStatus: 'ON_SALE', saleOpensAt: opensAt });
    });

    it('takes presale holds and locks from the minimum tier up, only inside the window', async () => {
      const [gold, silver, vip] = [
        await fanWithTier('GOLD'),
        await fanWithTier('SILVER'),
        await fanWithTier('VIP'),
      ];
      t.clock.freezeAt(new Date(presaleStart.getTime() - 1));
      await refused(t.hold(gold, seat()), 'SALE_NOT_OPEN');
      await refused(lock(t, gold, seat()), 'SALE_NOT_OPEN');
      t.clock.freezeAt(presaleStart);
      expect((await t.hold(gold, seat())).status).toBe('HOLD');
      expect((await t.hold(vip, seat())).status).toBe('HOLD');
      expect((await lock(t, gold, seat())).status).toBe('SELECTING');
      await refused(t.hold(silver, seat()), 'PRESALE_TIER_REQUIRED');
      await refused(lock(t, silver, seat()), 'PRESALE_TIER_REQUIRED');
      t.clock.freezeAt(new Date(presaleEnd.getTime() - 1));
      expect((await t.hold(gold, seat())).status).toBe('HOLD');
      t.clock.freezeAt(presaleEnd);
      await refused(t.hold(gold, seat()), 'SALE_NOT_OPEN');
    });

    it('opens to every tier at the general start, not a millisecond before', async () => {
      const basic = await t.newUser();
      t.clock.freezeAt(new Date(generalStart.getTime() - 1));
      await refused(t.hold(basic, seat()), 'SALE_NOT_OPEN');
      await refused(lock(t, basic, seat()), 'SALE_NOT_OPEN');
      t.clock.freezeAt(generalStart);
      expect((await t.hold(basic, seat())).status).toBe('HOLD');
    });

    it('ends when the show starts (SALE_ENDED for holds and locks, saleStatus ENDED)', async () => {
      const fan = await t.newUser();
      t.clock.freezeAt(new Date(show.concertDate.getTime() - 1));
      expect((await saleOf()).saleStatus).toBe('ON_SALE');
      t.clock.freezeAt(show.concertDate);
      await refused(t.hold(fan, seat()), 'SALE_ENDED');
      await refused(lock(t, fan, seat()), 'SALE_ENDED');
      expect((await saleOf()).saleStatus).toBe('ENDED');
    });
  });

  describe('the purchase limit (4 per user)', () => {
    beforeEach(() => t.clock.freezeAt(generalStart));

    it('lets exactly 4 of 20 parallel holds by one fan through', async () => {
      const fan = await t.newUser();
      const seats = Array.from({ length: 20 }, seat);
      const results = await Promise.allSettled(seats.map((s) => t.hold(fan, s)));
      const codes = results.map((r) =>
        r.status === 'fulfilled' ? 'HOLD' : (r.reason as { code: string }).code,
      );
      expect(codes.filter((c) => c === 'HOLD')).toHaveLength(4);
      expect(codes.filter((c) => c === 'PURCHASE_LIMIT_REACHED')).toHaveLength(16);
      expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
    });

    it('counts CONFIRMED tickets, and gives a place back on cancel, refund and expiry', async () => {
      const fan = await t.newUser();
      const refunds = t.get(RefundService);
      const paid = await t.confirmedTicket(fan, seat());
      const held: number[] = [];
      for (let i = 0; i < 3; i++) held.push((await t.hold(fan, seat())).id);
      await refused(t.hold(fan, seat()), 'PURCHASE_LIMIT_REACHED');
      await refused(lock(t, fan, seat()), 'PURCHASE_LIMIT_REACHED');
      await refunds.cancel(fan.principal, held[0]);
      held[0] = (await t.hold(fan, seat())).id;
      await refunds.refundByUser(fan.principal, paid);
      await t.hold(fan, seat());
      await refused(t.hold(fan, seat()), 'PURCHASE_LIMIT_REACHED');
      t.clock.advance(10 * 60_000); // past every deadline: the next lifecycle call expires the hold
      await refused(t.get(ReservationTransitions).paying(fan.principal, held[1]), 'HOLD_EXPIRED');
      expect((await t.hold(fan, seat())).status).toBe('HOLD');
      expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
    });

    it('is exact across two instances (the database decides)', async () => {
      const second = await startModules([RefundModule, CatalogModule], {
        env: { MAX_ACTIVE_HOLDS_PER_USER: '0' },
        reset: false,
      });
      try {
        second.clock.freezeAt(generalStart);
        const fan = await t.newUser();
        const seats = Array.from({ length: 20 }, seat);
        const results = await Promise.allSettled(seats.map((s, i) => (i % 2 ? second : t).hold(fan, s)));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
        expect(
          results.filter(
            (r) =>
              r.status === 'rejected' && (r.reason as { code: string }).code === 'PURCHASE_LIMIT_REACHED',
          ),
        ).toHaveLength(16);
      } finally {
        await second.close();
      }
      expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
    });
  });
});
