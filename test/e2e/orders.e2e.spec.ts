import { connectSocket, openSse, Received } from '../../support/realtime-clients';
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

  it("quantity: best available seats side by side (201, adjacent), a zone that is not the option's is 400", async () => {
    const res = await post(fan, { optionId: w.option.optionId, quantity: 2 }).expect(201);
    expect(res.body).toMatchObject({ status: 'HOLD', adjacent: true, totalAmount: 40_000 });
    const [a, b] = res.body.items as { seatNumber: string }[];
    expect(a.seatNumber.split('-')[0]).toBe(b.seatNumber.split('-')[0]);
    expect(Number(b.seatNumber.split('-')[1]) - Number(a.seatNumber.split('-')[1])).toBe(1);
    const bad = await post(fan, {
      optionId: w.option.optionId,
      quantity: 1,
      categoryId: 2_000_000_000,
    }).expect(400);
    expect(bad.body.errorCode).toBe('VALIDATION_FAILED');
    await post(fan, { optionId: w.option.optionId, quantity: 5 }).expect(400);
    await post(fan, { optionId: w.option.optionId, quantity: 0 }).expect(400);
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

const ORDER_STATUS_FIELDS = [
  'eventId',
  'orderId',
  'userId',
  'optionId',
  'status',
  'totalAmount',
  'refundedAmount',
  'holdExpiresAt',
  'reason',
  'items',
  'occurredAt',
].sort();

/** The order's lifecycle calls over HTTP, ORDER_REQUIRED on the v7 calls, ORDER_STATUS on both transports. */
describe('order lifecycle over HTTP, socket.io and SSE', () => {
  let w: World;
  let fan: TestUser;
  const create = async (n: number) => {
    const seatIds = Array.from({ length: n }, () => w.seat());
    return (
      await w.t
        .http()
        .post('/api/orders')
        .set(bearer(fan))
        .send({ optionId: w.option.optionId, seatIds })
        .expect(201)
    ).body;
  };
  const orderStatus = (orderId: number, status: string) => (r: Received) =>
    r.type === 'ORDER_STATUS' && r.data.orderId === orderId && r.data.status === status;

  beforeAll(async () => {
    w = await startWorld({ seats: 20, price: 15_000 });
    fan = await createUser(w.t);
  });
  afterAll(() => w?.close());

  it('paying and cancel move the whole order, and ORDER_STATUS reaches the owner on socket.io and SSE only', async () => {
    const socket = await connectSocket(w.t.url, fan.token);
    const stranger = await connectSocket(w.t.url, w.user.token);
    const sse = await openSse(`${w.t.url}/api/reservations/v7/events`, {
      Authorization: `Bearer ${fan.token}`,
    });
    try {
      const order = await create(2);
      const paying = await w.t.http().post(`/api/orders/${order.id}/paying`).set(bearer(fan)).expect(200);
      expect(paying.body).toMatchObject({
        id: order.id,
        status: 'PAYING',
        holdExpiresAt: order.holdExpiresAt,
      });
      await w.t.http().post(`/api/orders/${order.id}/paying`).set(bearer(fan)).expect(200);
      const cancelled = await w.t.http().post(`/api/orders/${order.id}/cancel`).set(bearer(fan)).expect(200);
      expect(cancelled.body.status).toBe('CANCELLED');
      expect(cancelled.body.items.map((i: { status: string }) => i.status)).toEqual([
        'CANCELLED',
        'CANCELLED',
      ]);

      const viaSocket = await socket.inbox.waitFor(
        orderStatus(order.id, 'CANCELLED'),
        5000,
        'ORDER_STATUS socket',
      );
      const viaSse = await sse.inbox.waitFor(orderStatus(order.id, 'CANCELLED'), 5000, 'ORDER_STATUS SSE');
      expect(Object.keys(viaSocket.data).sort()).toEqual(ORDER_STATUS_FIELDS);
      expect(viaSocket.data).toMatchObject({
        orderId: order.id,
        userId: fan.id,
        optionId: w.option.optionId,
        totalAmount: 30_000,
        refundedAmount: 0,
        holdExpiresAt: order.holdExpiresAt,
        reason: null,
        items: order.items.map((i: { reservationId: number; seatId: number }) => ({
          reservationId: i.reservationId,
          seatId: i.seatId,
          status: 'CANCELLED',
        })),
      });
      expect(viaSse.data).toEqual(viaSocket.data);
      expect(viaSse.id).toBe(String(viaSocket.data.eventId));
      expect(
        socket.inbox
          .ofType('ORDER_STATUS')
          .filter((e) => e.orderId === order.id)
          .map((e) => e.status),
      ).toEqual(['PAYING', 'CANCELLED']);
      // Beside the per-item events, as before.
      expect(
        socket.inbox
          .ofType('RESERVATION_STATUS')
          .filter((e) => e.reservationId === order.items[0].reservationId),
      ).toHaveLength(3);
      expect(stranger.inbox.ofType('ORDER_STATUS')).toEqual([]);
      await w.t.http().post(`/api/orders/${order.id}/paying`).set(bearer(fan)).expect(409);
    } finally {
      socket.close();
      stranger.close();
      sse.close();
    }
  });

  it('v7 paying, confirm and cancel on an unpaid item of a larger order: 409 ORDER_REQUIRED, nothing moves', async () => {
    const order = await create(2);
    const item = order.items[1].reservationId;
    for (const call of ['paying', 'confirm', 'cancel']) {
      const res = await w.t
        .http()
        .post(`/api/reservations/v7/${item}/${call}`)
        .set(bearer(fan))
        .send({})
        .expect(409);
      expect(res.body).toMatchObject({ status: 409, errorCode: 'ORDER_REQUIRED' });
    }
    const got = await w.t.http().get(`/api/orders/${order.id}`).set(bearer(fan)).expect(200);
    expect(got.body.status).toBe('HOLD');
    await w.t.http().post(`/api/orders/${order.id}/cancel`).set(bearer(w.user)).expect(404);
    await w.t.http().post(`/api/orders/${order.id}/cancel`).set(bearer(fan)).expect(200);
  });
});
