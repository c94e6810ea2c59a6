import { DomainError } from '../../src/common/errors/domain-error';
import { CatalogModule } from '../../src/modules/catalog/catalog.module';
import { CatalogService } from '../../src/modules/catalog/catalog.service';
import type { ZoneInput } from '../../src/modules/catalog/zones/zone-layout';
import { ZonesService } from '../../src/modules/catalog/zones/zones.service';
import { SeatLocksService } from '../../src/modules/admission/seat-locks/seat-locks.service';
import { RefundModule } from '../../src/modules/refund/refund.module';
import { RefundService } from '../../src/modules/refund/refund.service';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import { Show } from '../support/fixtures';
import { ModuleContext, startModules } from '../support/module-harness';

const PRICE = 50_000;

/**
 * Price zones on the catalog module (the layout, its refusals, the counts and the seat fields) and the
 * hold's price from the zone, with the reservation module beside it; the money side per provider is in
 * price-zones-money.medium.spec.ts.
 */
describe('price zones (catalog and reservation modules on PostgreSQL)', () => {
  let t: ModuleContext;
  let show: Show;
  const zones = () => t.get(ZonesService);
  const seatsBy = async (optionId: number) =>
    new Map((await t.get(CatalogService).listSeats(optionId, false)).map((s) => [s.seatNumber, s]));
  const layoutState = async (optionId: number) =>
    t.dataSource.query(
      `SELECT s.seat_number, s.category_id, s.price_amount, c.name, c.price_amount AS zone_price, c.color, c.position
         FROM seats s LEFT JOIN seat_categories c ON c.id = s.category_id
        WHERE s.option_id = $1 ORDER BY s.id`,
      [optionId],
    );
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => (e instanceof DomainError ? { code: e.code, details: e.details } : e),
    );

  beforeAll(async () => {
    t = await startModules([CatalogModule, RefundModule], { env: { MAX_ACTIVE_HOLDS_PER_USER: '0' } });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    show = await t.newShow({ seats: 45, price: PRICE }); // rows A, B (20 each) and C (5)
  });

  const layout: ZoneInput[] = [
    { name: 'VIP', priceAmount: 150_000, color: '#C0392B', rows: ['A'] },
    { name: 'R', priceAmount: 90_000, rows: ['B'], seatNumbers: ['C-1'] },
  ];

  it('PUT lays out the zones; the list, the seats and the option show them', async () => {
    const list = await zones().replace(show.optionId, layout);
    expect(list).toEqual([
      {
        id: expect.any(Number),
        optionId: show.optionId,
        name: 'VIP',
        priceAmount: 150_000,
        color: '#c0392b',
        seatCount: 20,
        availableSeatCount: 20,
      },
      {
        id: expect.any(Number),
        optionId: show.optionId,
        name: 'R',
        priceAmount: 90_000,
        color: null,
        seatCount: 21,
        availableSeatCount: 21,
      },
    ]);
    expect(await zones().list(show.optionId)).toEqual(list);
    const seats = await seatsBy(show.optionId);
    expect(seats.get('A-7')).toMatchObject({
      row: 'A',
      number: 7,
      categoryId: list[0].id,
      priceAmount: 150_000,
    });
    expect(seats.get('C-1')).toMatchObject({
      row: 'C',
      number: 1,
      categoryId: list[1].id,
      priceAmount: 90_000,
    });
    expect(seats.get('C-2')).toMatchObject({ row: 'C', number: 2, categoryId: null, priceAmount: PRICE });
    const [option] = await t.get(CatalogService).listOptions(show.concertId);
    expect(option).toMatchObject({
      ticketPriceAmount: PRICE,
      minPriceAmount: PRICE,
      maxPriceAmount: 150_000,
    });
  });

  it('a second PUT replaces the layout: a kept name keeps its id (whatever its case), the rest go', async () => {
    const [vip, r] = await zones().replace(show.optionId, layout);
    const next = await zones().replace(show.optionId, [
      { name: 'S', priceAmount: 30_000, seatNumbers: ['C-5'] },
      { name: 'vip', priceAmount: 200_000, color: '#112233', rows: ['B'] },
    ]);
    expect(next.map((z) => [z.name, z.priceAmount, z.seatCount])).toEqual([
      ['S', 30_000, 1],
      ['vip', 200_000, 20],
    ]);
    expect(next[1].id).toBe(vip.id);
    expect(next[0].id).not.toBe(r.id);
    const rows: { n: number }[] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM seat_categories WHERE id = $1`,
      [r.id],
    );
    expect(rows[0].n).toBe(0);
    const seats = await seatsBy(show.optionId);
    expect(seats.get('A-1')).toMatchObject({ categoryId: null, priceAmount: PRICE }); // left its zone
    expect(seats.get('C-1')).toMatchObject({ categoryId: null, priceAmount: PRICE });
    expect(seats.get('B-20')).toMatchObject({ categoryId: vip.id, priceAmount: 200_000 });
    expect(seats.get('C-5')).toMatchObject({ categoryId: next[0].id, priceAmount: 30_000 });

    expect(await zones().replace(show.optionId, [])).toEqual([]);
    const [option] = await t.get(CatalogService).listOptions(show.concertId);
    expect(option).toMatchObject({ minPriceAmount: PRICE, maxPriceAmount: PRICE });
    expect(
      (await layoutState(show.optionId)).every((s: { category_id: null }) => s.category_id === null),
    ).toBe(true);
  });

  it.each<[string, ZoneInput[], RegExp]>([
    [
      'a seat named by two zones',
      [layout[0], { name: 'R', priceAmount: 1, seatNumbers: ['A-3'] }],
      /A-3 also named/,
    ],
    [
      'a row and a seat number of one zone',
      [{ name: 'R', priceAmount: 1, rows: ['C'], seatNumbers: ['C-2'] }],
      /C-2 also named/,
    ],
    ['a seat listed twice', [{ name: 'R', priceAmount: 1, seatNumbers: ['B-2', 'B-2'] }], /B-2 also named/],
    ['an unknown row', [{ name: 'R', priceAmount: 1, rows: ['D'] }], /no row "D"/],
    ['an unknown seat number', [{ name: 'R', priceAmount: 1, seatNumbers: ['C-6'] }], /no seat "C-6"/],
    ['a duplicate name', [layout[0], { ...layout[1], name: 'Vip' }], /also the name of categories\[0\]/],
    ['a zone with no seat', [{ name: 'R', priceAmount: 1, rows: [] }], /names no seat/],
  ])('refuses %s with VALIDATION_FAILED and changes nothing', async (_, input, detail) => {
    await zones().replace(show.optionId, layout);
    const before = await layoutState(show.optionId);
    const error = await refusal(zones().replace(show.optionId, input));
    expect(error).toEqual({ code: 'VALIDATION_FAILED', details: [expect.stringMatching(detail)] });
    expect(await layoutState(show.optionId)).toEqual(before);
  });

  it('answers NOT_FOUND for an unknown option, on PUT and on the list', async () => {
    expect(await refusal(zones().replace(999_999, layout))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusal(zones().list(999_999))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it("a zone's availableSeatCount follows holds, releases and soft locks (what /seats lists)", async () => {
    const [vip] = await zones().replace(show.optionId, layout);
    const fan = await t.newUser();
    const other = await t.newUser();
    const seats = await seatsBy(show.optionId);
    const available = async () => (await zones().list(show.optionId))[0].availableSeatCount;
    const listed = async () =>
      (await t.get(CatalogService).listSeats(show.optionId, true)).filter((s) => s.categoryId === vip.id)
        .length;

    const held = await t.hold(fan, seats.get('A-1')!.id);
    await t.confirmedTicket(fan, seats.get('A-2')!.id);
    await t.get(SeatLocksService).acquire(other.principal, seats.get('A-3')!.id);
    expect(await available()).toBe(17);
    expect(await listed()).toBe(17);
    expect((await zones().list(show.optionId))[0].seatCount).toBe(20);

    await t.get(ReservationTransitions).cancelUnpaid(fan.principal, held.id);
    await t.get(SeatLocksService).release(other.principal, seats.get('A-3')!.id);
    expect(await available()).toBe(19);
    expect(await listed()).toBe(19);
  });

  it('a hold takes the zone price, or the show price without a zone, and keeps it through later layouts', async () => {
    await zones().replace(show.optionId, layout);
    const fan = await t.newUser();
    const seats = await seatsBy(show.optionId);
    const vipHold = await t.hold(fan, seats.get('A-1')!.id);
    const plainHold = await t.hold(fan, seats.get('C-3')!.id);
    expect([vipHold.amount, plainHold.amount]).toEqual([150_000, PRICE]);

    await zones().replace(show.optionId, [{ name: 'VIP', priceAmount: 400_000, rows: ['A', 'C'] }]);
    expect((await seatsBy(show.optionId)).get('C-3')!.priceAmount).toBe(400_000); // what a hold costs now
    const views = await Promise.all(
      [vipHold.id, plainHold.id].map((id) => t.get(ReservationTransitions).view(id)),
    );
    expect(views.map((v) => v!.amount)).toEqual([150_000, PRICE]);
    expect((await t.hold(fan, seats.get('A-2')!.id)).amount).toBe(400_000);
  });

  it('a hold racing a layout change pays the old price or the new one, never another', async () => {
    await zones().replace(show.optionId, [{ name: 'VIP', priceAmount: 100_000, rows: ['A'] }]);
    const seats = await seatsBy(show.optionId);
    const fans = await Promise.all(Array.from({ length: 8 }, () => t.newUser()));
    const targets = ['A-1', 'A-2', 'A-3', 'A-4', 'B-1', 'B-2', 'B-3', 'B-4'].map((n) => seats.get(n)!.id);
    const [holds] = await Promise.all([
      Promise.all(fans.map((fan, i) => t.hold(fan, targets[i]))),
      zones().replace(show.optionId, [
        { name: 'R', priceAmount: 70_000, rows: ['B'] },
        { name: 'VIP', priceAmount: 120_000, rows: ['A'] },
      ]),
    ]);
    holds.slice(0, 4).forEach((h) => expect([100_000, 120_000]).toContain(h.amount));
    holds.slice(4).forEach((h) => expect([PRICE, 70_000]).toContain(h.amount));
  });

  it('exposes the row and number of every seat, rows after Z included', async () => {
    const big = await t.newShow({ seats: 560, price: PRICE }); // 28 rows: A … Z, AA, AB
    const seats = await t.get(CatalogService).listSeats(big.optionId, false);
    expect(seats[seats.length - 1]).toMatchObject({ seatNumber: 'AB-20', row: 'AB', number: 20 });
    expect(seats[520]).toMatchObject({ seatNumber: 'AA-1', row: 'AA', number: 1 });
    const list = await zones().replace(big.optionId, [
      { name: 'Back', priceAmount: 10_000, rows: ['AA', 'AB'] },
    ]);
    expect(list[0].seatCount).toBe(40);
  });

  it('refunds what the hold took, after the prices changed', async () => {
    await zones().replace(show.optionId, layout);
    const fan = await t.newUser();
    const seats = await seatsBy(show.optionId);
    const id = await t.confirmedTicket(fan, seats.get('B-5')!.id);
    await zones().replace(show.optionId, [{ name: 'R', priceAmount: 10, rows: ['B'] }]);
    const refunded = await t.get(RefundService).refundByUser(fan.principal, id);
    expect(refunded).toMatchObject({ status: 'REFUNDED', amount: 90_000 });
  });
});
