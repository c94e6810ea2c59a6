import { bearer, createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { checkout } from '../support/checkout';
import { expectError, stateSnapshot } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The HTTP contract of price zones: PUT /api/admin/concerts/options/{id}/categories and the public GET,
 * their refusals (400 with nothing changed, 401, 403, 404), and the zone fields of seats, options and a
 * hold. The layout's rules are in test/medium/price-zones.medium.spec.ts.
 */
describe('price zones over HTTP', () => {
  let t: TestApp;
  let admin: TestUser;
  let fan: TestUser;
  let option: TestOption;

  const put = (who: TestUser | undefined, optionId: number | string, body: unknown) => {
    const req = t.http().put(`/api/admin/concerts/options/${optionId}/categories`);
    return (who ? req.set(bearer(who)) : req).send(body as object);
  };
  const get = (optionId: number | string) => t.http().get(`/api/concerts/options/${optionId}/categories`);
  /** Zones and every seat's zone and price: what a refused PUT must leave as it was. */
  const layout = async () => ({
    state: await stateSnapshot(t),
    seats: await t.dataSource.query(
      `SELECT id, category_id, price_amount FROM seats WHERE option_id = $1 ORDER BY id`,
      [option.optionId],
    ),
    zones: await t.dataSource.query(`SELECT * FROM seat_categories ORDER BY id`),
  });
  const LAYOUT = {
    categories: [
      { name: 'VIP', priceAmount: 150000, color: '#c0392b', rows: ['A'] },
      { name: 'R', priceAmount: 90000, color: '#2980B9', rows: ['B'], seatNumbers: ['C-1', 'C-2'] },
    ],
  };

  beforeAll(async () => {
    t = await startTestApp({ MAX_ACTIVE_HOLDS_PER_USER: '0' });
    admin = await createAdmin(t);
    fan = await createUser(t);
    option = await createOption(t, admin, { seatCount: 45, price: 50000 });
  });
  afterAll(() => t.close());

  it('PUT answers 200 with the list; GET (public) answers the same', async () => {
    const res = await put(admin, option.optionId, LAYOUT).expect(200);
    expect(res.body).toEqual([
      {
        id: expect.any(Number),
        optionId: option.optionId,
        name: 'VIP',
        priceAmount: 150000,
        color: '#c0392b',
        seatCount: 20,
        availableSeatCount: 20,
      },
      {
        id: expect.any(Number),
        optionId: option.optionId,
        name: 'R',
        priceAmount: 90000,
        color: '#2980b9',
        seatCount: 22,
        availableSeatCount: 22,
      },
    ]);
    expect((await get(option.optionId).expect(200)).body).toEqual(res.body);
  });

  it('seats, the seat map and the option carry row, number, zone and price; a hold costs the zone price', async () => {
    const [vip] = (await get(option.optionId).expect(200)).body as { id: number }[];
    const map = (await t.http().get(`/api/concerts/options/${option.optionId}/seat-map`).expect(200)).body;
    const a5 = map.find((s: { seatNumber: string }) => s.seatNumber === 'A-5');
    expect(a5).toEqual({
      id: expect.any(Number),
      seatNumber: 'A-5',
      status: 'AVAILABLE',
      row: 'A',
      number: 5,
      categoryId: vip.id,
      priceAmount: 150000,
    });
    const c3 = map.find((s: { seatNumber: string }) => s.seatNumber === 'C-3');
    expect(c3).toMatchObject({ row: 'C', number: 3, categoryId: null, priceAmount: 50000 });

    const held = await checkout(t, fan).hold(a5.id).expect(201);
    expect(held.body.amount).toBe(150000);
    const after = (await t.http().get(`/api/concerts/options/${option.optionId}/seat-map`).expect(200)).body;
    // The price of a held seat is still shown: what a hold of it would cost now.
    expect(after.find((s: { id: number }) => s.id === a5.id)).toMatchObject({
      status: 'TEMP_RESERVED',
      priceAmount: 150000,
    });
    const seats = (await t.http().get(`/api/concerts/options/${option.optionId}/seats`).expect(200)).body;
    expect(seats.find((s: { seatNumber: string }) => s.seatNumber === 'A-6')).toMatchObject({
      row: 'A',
      number: 6,
      categoryId: vip.id,
      priceAmount: 150000,
    });
    expect((await get(option.optionId).expect(200)).body[0]).toMatchObject({
      seatCount: 20,
      availableSeatCount: 19,
    });
    const options = (await t.http().get(`/api/concerts/${option.concertId}/options`).expect(200)).body;
    expect(options[0]).toMatchObject({
      ticketPriceAmount: 50000,
      minPriceAmount: 50000,
      maxPriceAmount: 150000,
    });
  });

  const zone = (extra: object) => ({ name: 'Z', priceAmount: 1000, seatNumbers: ['C-5'], ...extra });
  it.each<[string, unknown]>([
    [
      'a seat named by two zones',
      { categories: [zone({ rows: ['C'], seatNumbers: [] }), zone({ name: 'Y' })] },
    ],
    ['a row and a seat number of one zone', { categories: [zone({ rows: ['C'] })] }],
    ['a seat listed twice', { categories: [zone({ seatNumbers: ['C-5', 'C-5'] })] }],
    ['an unknown row', { categories: [zone({ rows: ['ZZ'] })] }],
    ['an unknown seat number', { categories: [zone({ seatNumbers: ['C-6'] })] }],
    ['a duplicate name', { categories: [zone({}), zone({ name: 'z', seatNumbers: ['C-4'] })] }],
    [
      'more than 20 zones',
      {
        categories: Array.from({ length: 21 }, (_, i) =>
          zone({ name: `Z${i}`, seatNumbers: [`A-${i + 1}`] }),
        ),
      },
    ],
    ['a negative price', { categories: [zone({ priceAmount: -1 })] }],
    ['a fractional price', { categories: [zone({ priceAmount: 10.5 })] }],
    ['a price given as a string', { categories: [zone({ priceAmount: '1000' })] }],
    ['a colour that is not #rrggbb (short)', { categories: [zone({ color: '#fff' })] }],
    ['a colour that is not #rrggbb (a name)', { categories: [zone({ color: 'red' })] }],
    ['a colour that is not #rrggbb (not hex)', { categories: [zone({ color: '#gg0000' })] }],
    ['an empty name', { categories: [zone({ name: '' })] }],
    ['a blank name', { categories: [zone({ name: '   ' })] }],
    ['a name of 41 characters', { categories: [zone({ name: 'x'.repeat(41) })] }],
    ['a zone without seats', { categories: [zone({ seatNumbers: [] })] }],
    ['an unknown field', { categories: [zone({ seats: ['C-5'] })] }],
    ['an unknown top-level field', { categories: [], extra: 1 }],
    ['no categories', {}],
    ['categories that are not a list', { categories: { name: 'Z' } }],
    ['a zone that is not an object', { categories: [1] }],
    ['rows that are not strings', { categories: [zone({ rows: [1] })] }],
  ])('refuses %s: 400 VALIDATION_FAILED, nothing changed', async (_, body) => {
    const before = await layout();
    const res = await put(admin, option.optionId, body);
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(await layout()).toEqual(before);
  });

  it('accepts exactly 20 zones, and a name of 40 characters', async () => {
    const twenty = Array.from({ length: 20 }, (_, i) =>
      zone({ name: i === 0 ? 'x'.repeat(40) : `Z${i}`, seatNumbers: [`B-${i + 1}`] }),
    );
    const other = await createOption(t, admin, { seatCount: 40 });
    expect((await put(admin, other.optionId, { categories: twenty }).expect(200)).body).toHaveLength(20);
  });

  it('refuses callers: 401 without a token, 403 for a fan; unknown option 404, bad id 400', async () => {
    const before = await layout();
    expectError(await put(undefined, option.optionId, LAYOUT), 401, 'UNAUTHENTICATED');
    expectError(await put(fan, option.optionId, LAYOUT), 403, 'FORBIDDEN');
    expectError(await put(admin, 999999, LAYOUT), 404, 'NOT_FOUND');
    expectError(await get(999999), 404, 'NOT_FOUND');
    for (const bad of ['0', 'abc', '1.5']) {
      expectError(await put(admin, bad, LAYOUT), 400, 'VALIDATION_FAILED');
      expectError(await get(bad), 400, 'VALIDATION_FAILED');
    }
    expect(await layout()).toEqual(before);
  });

  it('an empty list removes every zone: seats back to the show price', async () => {
    await put(admin, option.optionId, { categories: [] }).expect(200, []);
    await get(option.optionId).expect(200, []);
    const options = (await t.http().get(`/api/concerts/${option.concertId}/options`).expect(200)).body;
    expect(options[0]).toMatchObject({ minPriceAmount: 50000, maxPriceAmount: 50000 });
  });
});
