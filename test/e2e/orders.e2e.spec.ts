import { bearer, createUser, TestUser } from '../support/factories';
import { startWorld, World } from '../support/world';

const ORDER_FIELDS = [
  'id',
  'userId',
  'concertId',
  'optionId',
  'status',
  'totalAmount',
  'refundedAmount',
  'adjacent',
  'holdExpiresAt',
  'refundCutoffAt',
  'createdAt',
  'confirmedAt',
  'expiredAt',
  'cancelledAt',
  'items',
  'paymentMethod',
  'paymentProvider',
  'paymentStatus',
  'paymentTransactionId',
  'paymentAction',
  'paymentRedirectUrl',
  'paymentFailureReason',
];

/** The HTTP contract of orders: shapes, error bodies, Idempotency-Key, owner-only reads, the admin list. */
describe('orders over HTTP', () => {
  let w: World;
  let fan: TestUser;
  const post = (user: TestUser, body: object, key?: string) => {
    const req = w.t.http().post('/api/orders').set(bearer(user));
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };
  const orderCount = async () =>
    Number((await w.t.dataSource.query(`SELECT count(*) AS n FROM orders`))[0].n);

  beforeAll(async () => {
    w = await startWorld({ seats: 40, price: 20_000 });
    fan = await createUser(w.t);
  });
  afterAll(() => w?.close());

  it('POST /api/orders answers 201 with the Order shape, every seat held, one deadline', async () => {
    const seats = [w.seat(), w.seat(), w.seat()];
    const res = await post(fan, { optionId: w.option.optionId, seatIds: seats }).expect(201);
    expect(Object.keys(res.body)).toEqual(ORDER_FIELDS);
    expect(res.body).toMatchObject({
      userId: fan.id,
      optionId: w.option.optionId,
      status: 'HOLD',
      totalAmount: 60_000,
      refundedAmount: 0,
      adjacent: true,
      confirmedAt: null,
      paymentStatus: null,
      paymentAction: null,
    });
    expect(res.body.holdExpiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(res.body.items).toEqual(
      seats.map((seatId) => ({
        reservationId: expect.any(Number),
        seatId,
        seatNumber: expect.stringMatching(/^A-\d+$/),
        categoryId: null,
        amount: 20_000,
        status: 'HOLD',
      })),
    );
    // Each item is a v7 reservation of the order.
    const item = await w.t
      .http()
      .get(`/api/reservations/v7/${res.body.items[0].reservationId}`)
      .set(bearer(fan))
      .expect(200);
    expect(item.body).toMatchObject({
      orderId: res.body.id,
      status: 'HOLD',
      holdExpiresAt: res.body.holdExpiresAt,
    });

    const got = await w.t.http().get(`/api/orders/${res.body.id}`).set(bearer(fan)).expect(200);
    expect(got.body).toEqual(res.body);
    const mine = await w.t.http().get('/api/orders/me?status=HOLD').set(bearer(fan)).expect(200);
    expect(mine.body.map((o: { id: number }) => o.id)).toContain(res.body.id);
  });

  it('409 SEAT_NOT_AVAILABLE names the unavailable seats in details, and nothing is written', async () => {
    const [taken, free] = [w.seat(), w.seat()];
    await w.t
      .http()
      .post('/api/reservations/v7/holds')
      .set(bearer(w.user))
      .send({ seatId: taken })
      .expect(201);
    const before = await orderCount();
    const res = await post(fan, { optionId: w.option.optionId, seatIds: [free, taken] }).expect(409);
    expect(res.body).toMatchObject({
      status: 409,
      errorCode: 'SEAT_NOT_AVAILABLE',
      details: { unavailableSeatIds: [taken] },
    });
    expect(await orderCount()).toBe(before);
  });

  it.each([
    ['neither seatIds nor quantity', (o: number) => ({ optionId: o })],
    ['both seatIds and quantity', (o: number, s: number) => ({ optionId: o, seatIds: [s], quantity: 1 })],
    ['categoryId without quantity', (o: number, s: number) => ({ optionId: o, seatIds: [s], categoryId: 1 })],
    ['repeated seat ids', (o: number, s: number) => ({ optionId: o, seatIds: [s, s] })],
    ['an empty list', (o: number) => ({ optionId: o, seatIds: [] })],
    [
      'more than MAX_SEATS_PER_ORDER',
      (o: number, s: number) => ({ optionId: o, seatIds: [s, s + 1, s + 2, s + 3, s + 4] }),
    ],
    ['a seat id that is not a positive integer', (o: number) => ({ optionId: o, seatIds: ['1'] })],
    ['an unknown field', (o: number, s: number) => ({ optionId: o, seatIds: [s], note: 'x' })],
    ['an unknown seat', (o: number) => ({ optionId: o, seatIds: [2_000_000_000] })],
  ])('400 VALIDATION_FAILED for %s, nothing written', async (_, body) => {
    const before = await orderCount();
    const res = await post(fan, body(w.option.optionId, w.option.seatIds[39])).expect(400);
    expect(res.body).toMatchObject({ status: 400, errorCode: 'VALIDATION_FAILED' });
    expect(await orderCount()).toBe(before);
  });

  it('401 without a token', async () => {
    await w.t
      .http()
      .post('/api/orders')
      .send({ optionId: w.option.optionId, seatIds: [w.seat()] })
      .expect(401);
  });

  it('Idempotency-Key: the same request replays the same 201, another request with the key is 422', async () => {
    const seats = [w.seat(), w.seat()];
    const body = { optionId: w.option.optionId, seatIds: seats };
    const first = await post(fan, body, 'order-key-1').expect(201);
    const again = await post(fan, body, 'order-key-1').expect(201);
    expect(again.body).toEqual(first.body);
    const other = await post(fan, { optionId: w.option.optionId, seatIds: [w.seat()] }, 'order-key-1').expect(
      422,
    );
    expect(other.body.errorCode).toBe('IDEMPOTENCY_KEY_REUSED');
    // Scoped to the caller: another fan's same key is a request of its own (here refused: the seats are taken).
    const theirs = await post(w.user, body, 'order-key-1').expect(409);
    expect(theirs.body.errorCode).toBe('SEAT_NOT_AVAILABLE');
    await post(fan, body, 'bad key!').expect(400);
  });

  it("another user's order is 404, a bad id 400", async () => {
    const res = await post(fan, { optionId: w.option.optionId, seatIds: [w.seat()] }).expect(201);
    const theirs = await w.t.http().get(`/api/orders/${res.body.id}`).set(bearer(w.user)).expect(404);
    expect(theirs.body.errorCode).toBe('NOT_FOUND');
    await w.t.http().get('/api/orders/0x10').set(bearer(fan)).expect(400);
  });

  it('GET /api/admin/orders lists orders with usernames for the console, 403 for a fan', async () => {
    const res = await post(fan, { optionId: w.option.optionId, seatIds: [w.seat()] }).expect(201);
    const list = await w.t
      .http()
      .get(`/api/admin/orders?userId=${fan.id}&optionId=${w.option.optionId}&limit=500`)
      .set(bearer(w.admin))
      .expect(200);
    expect(list.body[0]).toMatchObject({ id: res.body.id, username: fan.username, status: 'HOLD' });
    expect(list.body.every((o: { userId: number }) => o.userId === fan.id)).toBe(true);
    await w.t.http().get('/api/admin/orders').set(bearer(fan)).expect(403);
  });
});
