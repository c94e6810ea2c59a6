import { DomainError } from '../../src/common/errors/domain-error';
import { SalesPolicyService } from '../../src/modules/admission/sales-policy/sales-policy.service';
import { OrderCreateService } from '../../src/modules/reservation/orders/order-create.service';
import { OrderQueryService } from '../../src/modules/reservation/orders/order-query.service';
import { ReservationModule } from '../../src/modules/reservation/reservation.module';
import { moneyAndSeatProblems } from '../../support/invariants';
import { Show } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';

/** What a refused call threw, as the contract's code and details. */
async function refusal(call: Promise<unknown>): Promise<{ code: string; details?: unknown }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, details: err.details };
    throw err;
  }
  throw new Error('expected a refusal');
}

/**
 * Orders by seat ids on the reservation module with real PostgreSQL: all or nothing, the refusal naming
 * the seats, no deadlock between overlapping orders, the limits counted in seats under concurrency, and
 * the v7 hold as an order of one.
 */
describe('orders by seat ids (reservation module on PostgreSQL)', () => {
  let t: ModuleContext;
  const order = (fan: Fan, optionId: number, seatIds: number[]) =>
    t.get(OrderCreateService).create(fan.principal, { optionId, seatIds });
  const counts = async () =>
    (
      await t.dataSource.query(
        `SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM reservations)::int AS items,
                (SELECT count(*) FROM outbox_events)::int AS events,
                (SELECT count(*) FROM seats WHERE status <> 'AVAILABLE')::int AS taken`,
      )
    )[0];

  beforeAll(async () => {
    t = await startModules([ReservationModule], { env: { MAX_ACTIVE_HOLDS_PER_USER: '0' } });
  });
  afterAll(() => t?.close());

  it('holds every seat in one order with one deadline, items in seat order, adjacent for A-1..A-3', async () => {
    const fan = await t.newUser();
    const show = await t.newShow({ seats: 10, price: 30_000 });
    const view = await order(fan, show.optionId, [show.seatIds[2], show.seatIds[0], show.seatIds[1]]);
    expect(view).toMatchObject({
      userId: fan.id,
      optionId: show.optionId,
      concertId: show.concertId,
      status: 'HOLD',
      totalAmount: 90_000,
      refundedAmount: 0,
      adjacent: true,
      paymentStatus: null,
    });
    expect(view.items.map((i) => [i.seatId, i.seatNumber, i.amount, i.status])).toEqual([
      [show.seatIds[0], 'A-1', 30_000, 'HOLD'],
      [show.seatIds[1], 'A-2', 30_000, 'HOLD'],
      [show.seatIds[2], 'A-3', 30_000, 'HOLD'],
    ]);
    const rows = await t.dataSource.query(
      `SELECT r.order_id, r.hold_expires_at, s.status FROM reservations r JOIN seats s ON s.id = r.seat_id
        WHERE r.order_id = $1`,
      [view.id],
    );
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.status).toBe('TEMP_RESERVED');
      expect(r.hold_expires_at.getTime()).toBe(view.holdExpiresAt.getTime());
    }
    expect(await t.get(OrderQueryService).get(fan.principal, view.id)).toEqual(view);
    const gap = await order(fan, show.optionId, [show.seatIds[4], show.seatIds[6]]);
    expect(gap.adjacent).toBe(false);
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });

  it('takes nothing when one seat is not AVAILABLE, and names every unavailable seat', async () => {
    const [a, b] = [await t.newUser(), await t.newUser()];
    const show = await t.newShow({ seats: 6 });
    await t.hold(a, show.seatIds[1]);
    await order(a, show.optionId, [show.seatIds[3]]);
    const before = await counts();
    expect(await refusal(order(b, show.optionId, show.seatIds.slice(0, 4)))).toEqual({
      code: 'SEAT_NOT_AVAILABLE',
      details: { unavailableSeatIds: [show.seatIds[1], show.seatIds[3]] },
    });
    expect(await counts()).toEqual(before);
  });

  it('refuses a seat of another option or an unknown seat with VALIDATION_FAILED, taking nothing', async () => {
    const fan = await t.newUser();
    const [show, other] = [await t.newShow({ seats: 3 }), await t.newShow({ seats: 3 })];
    const before = await counts();
    expect((await refusal(order(fan, show.optionId, [show.seatIds[0], other.seatIds[0]]))).code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await refusal(order(fan, show.optionId, [show.seatIds[0], 2_000_000_000]))).code).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      (await refusal(t.get(OrderCreateService).create(fan.principal, { optionId: show.optionId }))).code,
    ).toBe('VALIDATION_FAILED');
    expect(await counts()).toEqual(before);
  });

  it('two orders sharing seats, sent at once in either order, never deadlock: one wins whole, the other 409', async () => {
    const show = await t.newShow({ seats: 80 });
    for (let round = 0; round < 20; round++) {
      const [x, y, z] = show.seatIds.slice(round * 4, round * 4 + 3);
      const [a, b] = [await t.newUser(), await t.newUser()];
      const results = await Promise.allSettled([
        order(a, show.optionId, [x, y, z]),
        order(b, show.optionId, [z, y, x]),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(DomainError);
      expect((lost.reason as DomainError).code).toBe('SEAT_NOT_AVAILABLE');
    }
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });

  it('a v7 hold is an order of one, made in the same statement', async () => {
    const fan = await t.newUser();
    const show = await t.newShow({ seats: 2 });
    const held = await t.hold(fan, show.seatIds[0]);
    expect(held.orderId).toEqual(expect.any(Number));
    const view = await t.get(OrderQueryService).get(fan.principal, held.orderId);
    expect(view).toMatchObject({ status: 'HOLD', totalAmount: held.amount, adjacent: true });
    expect(view.items).toEqual([
      {
        reservationId: held.id,
        seatId: show.seatIds[0],
        seatNumber: 'A-1',
        categoryId: null,
        amount: held.amount,
        status: 'HOLD',
      },
    ]);
  });

  it("another user's order is NOT_FOUND", async () => {
    const [a, b] = [await t.newUser(), await t.newUser()];
    const show = await t.newShow({ seats: 2 });
    const view = await order(a, show.optionId, [show.seatIds[0]]);
    expect((await refusal(t.get(OrderQueryService).get(b.principal, view.id))).code).toBe('NOT_FOUND');
  });
});

describe('order limits counted in seats, under concurrency', () => {
  let t: ModuleContext;
  let show: Show;
  const order = (fan: Fan, seatIds: number[]) =>
    t.get(OrderCreateService).create(fan.principal, { optionId: show.optionId, seatIds });

  beforeAll(async () => {
    t = await startModules([ReservationModule], {
      env: { MAX_ACTIVE_HOLDS_PER_USER: '4', MAX_SEATS_PER_ORDER: '3' },
    });
    show = await t.newShow({ seats: 60 });
  });
  afterAll(() => t?.close());

  it('MAX_SEATS_PER_ORDER bounds the seat list', async () => {
    const fan = await t.newUser();
    expect((await refusal(order(fan, show.seatIds.slice(56, 60)))).code).toBe('VALIDATION_FAILED');
  });

  it('MAX_ACTIVE_HOLDS_PER_USER: five orders of two seats at once leave exactly four seats held', async () => {
    const fan = await t.newUser();
    const results = await Promise.allSettled(
      [0, 1, 2, 3, 4].map((i) => order(fan, show.seatIds.slice(i * 2, i * 2 + 2))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) {
      expect((r.reason as DomainError).code).toBe('HOLD_LIMIT_REACHED');
    }
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM reservations WHERE user_id = $1 AND status = 'HOLD'`,
      [fan.id],
    );
    expect(n).toBe(4);
    // Three held seats and an order of two: over the cap counted in seats.
    const other = await t.newUser();
    await order(other, [show.seatIds[20], show.seatIds[21], show.seatIds[22]]);
    expect((await refusal(order(other, [show.seatIds[23], show.seatIds[24]]))).code).toBe(
      'HOLD_LIMIT_REACHED',
    );
  });

  it('the purchase limit (maxReservationsPerUser) in seats, exact under concurrency', async () => {
    await t.get(SalesPolicyService).put(show.concertId, {
      generalSaleStartAt: new Date(Date.now() - 3600_000).toISOString(),
      maxReservationsPerUser: 3,
    });
    const fan = await t.newUser();
    const results = await Promise.allSettled(
      [0, 1, 2, 3].map((i) => order(fan, show.seatIds.slice(30 + i * 2, 32 + i * 2))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) {
      expect((r.reason as DomainError).code).toBe('PURCHASE_LIMIT_REACHED');
    }
    const [{ active }] = await t.dataSource.query(
      `SELECT active FROM purchase_counts WHERE user_id = $1 AND concert_id = $2`,
      [fan.id, show.concertId],
    );
    expect(active).toBe(2);
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });
});

describe('best available (quantity), on the map the chooser sees', () => {
  let t: ModuleContext;
  const byQuantity = (fan: Fan, optionId: number, quantity: number, categoryId?: number) =>
    t.get(OrderCreateService).create(fan.principal, { optionId, quantity, categoryId });
  /** A zone over the given seats, written as the zones layout writes seats (category and price). */
  const zone = async (optionId: number, seatIds: number[], price: number): Promise<number> => {
    const [{ id }] = await t.dataSource.query(
      `INSERT INTO seat_categories (option_id, name, price_amount, color, position)
       VALUES ($1, $2, $3, '#123456', 0) RETURNING id`,
      [optionId, `Z${price}`, price],
    );
    await t.dataSource.query(`UPDATE seats SET category_id = $2, price_amount = $3 WHERE id = ANY($1)`, [
      seatIds,
      id,
      price,
    ]);
    return id;
  };

  beforeAll(async () => {
    t = await startModules([ReservationModule], { env: { MAX_ACTIVE_HOLDS_PER_USER: '0' } });
  });
  afterAll(() => t?.close());

  it('takes a block side by side in the front row, lowest numbers first', async () => {
    const show = await t.newShow({ seats: 40 });
    const fan = await t.newUser();
    const view = await byQuantity(fan, show.optionId, 3);
    expect(view.items.map((i) => i.seatNumber)).toEqual(['A-1', 'A-2', 'A-3']);
    expect(view.adjacent).toBe(true);
  });

  it('keeps to the zone asked for, at its price; a zone of another option is VALIDATION_FAILED', async () => {
    const show = await t.newShow({ seats: 40, price: 10_000 });
    const other = await t.newShow({ seats: 2 });
    const rowB = show.seatIds.slice(20, 40);
    const vip = await zone(show.optionId, rowB, 70_000);
    const elsewhere = await zone(other.optionId, other.seatIds, 5_000);
    const fan = await t.newUser();
    const view = await byQuantity(fan, show.optionId, 2, vip);
    expect(view.items.map((i) => [i.seatNumber, i.categoryId, i.amount])).toEqual([
      ['B-1', vip, 70_000],
      ['B-2', vip, 70_000],
    ]);
    expect(view.totalAmount).toBe(140_000);
    expect((await refusal(byQuantity(fan, show.optionId, 2, elsewhere))).code).toBe('VALIDATION_FAILED');
  });

  it('concurrent quantity orders never receive the same seat, and none is refused while enough seats remain', async () => {
    const show = await t.newShow({ seats: 24 });
    const fans = await Promise.all(Array.from({ length: 12 }, () => t.newUser()));
    const results = await Promise.allSettled(fans.map((fan) => byQuantity(fan, show.optionId, 2)));
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(refused.map((r) => String(r.reason))).toEqual([]);
    const seats = results.flatMap((r) =>
      r.status === 'fulfilled' ? r.value.items.map((i) => i.seatId) : [],
    );
    expect(new Set(seats).size).toBe(24);
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
    // Nothing left: fewer than `quantity` seats is SEAT_NOT_AVAILABLE.
    expect((await refusal(byQuantity(fans[0], show.optionId, 1))).code).toBe('SEAT_NOT_AVAILABLE');
  });

  it('an unknown option is NOT_FOUND', async () => {
    const fan = await t.newUser();
    expect((await refusal(byQuantity(fan, 2_000_000_000, 1))).code).toBe('NOT_FOUND');
  });
});
