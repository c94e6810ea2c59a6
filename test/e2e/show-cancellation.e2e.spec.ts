import { connectSocket, emitWithAck, ISO_UTC, openSse, TestSocket } from '../../support/realtime-clients';
import { bearer, createUser, TestUser } from '../support/factories';
import { TestGateway } from '../support/test-gateway';
import { until } from '../support/wait';
import { startWorld, World } from '../support/world';

const REASON = 'The artist is ill';
const RUN_FIELDS = [
  'actorUserId',
  'concertId',
  'createdAt',
  'finishedAt',
  'id',
  'optionId',
  'reason',
  'status',
  'totals',
];

/**
 * The show-cancellation contract over HTTP, socket.io and SSE: the answers' shapes and codes, validation,
 * roles, and CANCELLATION_PROGRESS to console users. The rules are in test/medium/show-cancellation.
 */
describe('show cancellation over HTTP, socket.io and SSE', () => {
  const gateway = new TestGateway();
  let w: World;
  let fan: TestUser;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    w = await startWorld({ gateway, seats: 10, price: 30000 });
    fan = await createUser(w.t);
  });
  afterAll(async () => {
    for (const s of sockets) s.socket.disconnect();
    await w.close();
  });

  const post = (optionId: number | string, body: object, user: TestUser = w.admin) =>
    w.t.http().post(`/api/admin/concerts/options/${optionId}/cancellation`).set(bearer(user)).send(body);
  const get = (path: string, user: TestUser = w.admin) => w.t.http().get(path).set(bearer(user));

  it('validates: reason 3..500, no unknown fields, a positive id, an existing option; role ADMIN', async () => {
    const { optionId } = w.option;
    expect((await post(optionId, {}).expect(400)).body.errorCode).toBe('VALIDATION_FAILED');
    expect((await post(optionId, { reason: 'no' }).expect(400)).body.errorCode).toBe('VALIDATION_FAILED');
    expect((await post(optionId, { reason: 'x'.repeat(501) }).expect(400)).body.errorCode).toBe(
      'VALIDATION_FAILED',
    );
    expect((await post(optionId, { reason: REASON, force: true }).expect(400)).body.errorCode).toBe(
      'VALIDATION_FAILED',
    );
    expect((await post(optionId, { reason: REASON, dryRun: 'yes' }).expect(400)).body.errorCode).toBe(
      'VALIDATION_FAILED',
    );
    expect((await post('abc', { reason: REASON }).expect(400)).body.errorCode).toBe('VALIDATION_FAILED');
    expect((await post(999999, { reason: REASON }).expect(404)).body.errorCode).toBe('NOT_FOUND');
    expect((await post(optionId, { reason: REASON }, fan).expect(403)).body.errorCode).toBe('FORBIDDEN');
    expect((await get('/api/admin/cancellations/999999').expect(404)).body.errorCode).toBe('NOT_FOUND');
    expect((await get('/api/admin/cancellations/0').expect(400)).body.errorCode).toBe('VALIDATION_FAILED');
    // Nothing was cancelled by any of these.
    const options = await w.t.http().get(`/api/concerts/${w.option.concertId}/options`).expect(200);
    expect(options.body[0].saleStatus).not.toBe('CANCELLED');
  });

  it('dry run 200 with totals; then 202 the run, 200 the same run again; GET, orders, retry, SSE and socket.io', async () => {
    const paid = [await w.confirmedTicket(), await w.confirmedTicket(fan)];
    const { optionId } = w.option;
    const dry = await post(optionId, { reason: REASON, dryRun: true }).expect(200);
    expect(dry.body).toEqual({
      optionId,
      dryRun: true,
      paidOrders: 2,
      paidSeats: 2,
      refundTotalAmount: 60000,
      unpaidOrders: 0,
    });

    const admin = await connectSocket(w.t.url, w.admin.token);
    sockets.push(admin);
    expect(await emitWithAck(admin.socket, 'admin.subscribe', {})).toEqual({ ok: true });
    const fanSocket = await connectSocket(w.t.url, fan.token);
    sockets.push(fanSocket);
    expect(await emitWithAck(fanSocket.socket, 'admin.subscribe', {})).toEqual({
      ok: false,
      errorCode: 'FORBIDDEN',
    });

    gateway.refundBehaviour = 'unreachable'; // both rows FAILED first, so the run can be watched and retried
    const created = await post(optionId, { reason: REASON }).expect(202);
    expect(Object.keys(created.body).sort()).toEqual(RUN_FIELDS);
    expect(created.body).toMatchObject({
      optionId,
      concertId: w.option.concertId,
      reason: REASON,
      actorUserId: w.admin.id,
    });
    expect(created.body.createdAt).toMatch(ISO_UTC);
    const runId = created.body.id as number;
    const again = await post(optionId, { reason: 'another reason' }).expect(200);
    expect(again.body.id).toBe(runId);

    await until(
      async () =>
        (await get(`/api/admin/cancellations/${runId}`).expect(200)).body.status === 'DONE_WITH_FAILURES',
      15_000,
      'the run to end with failures',
    );
    const failed = await get(`/api/admin/cancellations/${runId}/orders?result=FAILED&limit=500`).expect(200);
    expect(failed.body).toHaveLength(2);
    expect(Object.keys(failed.body[0]).sort()).toEqual(
      ['amount', 'attempts', 'lastError', 'orderId', 'refundedAt', 'result', 'userId'].sort(),
    );
    expect(failed.body[0]).toMatchObject({ result: 'FAILED', attempts: 1, amount: 30000, refundedAt: null });
    expect(
      (await get(`/api/admin/cancellations/${runId}/orders?result=LOST`).expect(400)).body.errorCode,
    ).toBe('VALIDATION_FAILED');
    const finalPush = await admin.inbox.waitFor(
      (r) => r.type === 'CANCELLATION_PROGRESS' && r.data.status === 'DONE_WITH_FAILURES',
      5000,
      'the final progress',
    );
    expect(finalPush.data).toMatchObject({ runId, optionId, totals: { orders: 2, failed: 2, refunded: 0 } });
    expect(fanSocket.inbox.ofType('CANCELLATION_PROGRESS')).toEqual([]);

    const sse = await openSse(
      `${w.t.url}/api/admin/cancellations/${runId}/events?access_token=${w.admin.token}`,
    );
    try {
      expect(sse.status).toBe(200);
      await sse.inbox.waitFor((r) => r.type === 'CANCELLATION_PROGRESS', 5000, 'the current totals');
      gateway.refundBehaviour = 'ok';
      const retried = await w.t
        .http()
        .post(`/api/admin/cancellations/${runId}/retry`)
        .set(bearer(w.admin))
        .expect(202);
      expect(retried.body.status).toBe('RUNNING');
      const done = await sse.inbox.waitFor(
        (r) => r.type === 'CANCELLATION_PROGRESS' && r.data.status === 'DONE',
        15_000,
        'DONE on SSE',
      );
      expect(done.data).toMatchObject({
        runId,
        optionId,
        totals: { orders: 2, refunded: 2, failed: 0, pending: 0, refundedAmount: 60000 },
      });
    } finally {
      sse.close();
    }
    for (const { id } of paid) {
      expect(
        (
          await w.t
            .http()
            .get(`/api/reservations/v7/${id}`)
            .set(bearer(id === paid[0].id ? w.user : fan))
            .expect(200)
        ).body.status,
      ).toBe('REFUNDED');
    }
    const options = await w.t.http().get(`/api/concerts/${w.option.concertId}/options`).expect(200);
    expect(options.body[0].saleStatus).toBe('CANCELLED');
    const concerts = await w.t.http().get('/api/concerts').expect(200);
    expect(concerts.body.find((c: { id: number }) => c.id === w.option.concertId).saleStatus).toBe(
      'CANCELLED',
    );
    const lock = await w.t.http().post(`/api/reservations/v7/locks/seats/${w.seat()}`).set(bearer(fan));
    expect([lock.status, lock.body.errorCode]).toEqual([409, 'SHOW_CANCELLED']);
  });

  it('the run SSE stream refuses a fan (403) and an unknown run (404) in the error shape', async () => {
    const forbidden = await openSse(`${w.t.url}/api/admin/cancellations/1/events?access_token=${fan.token}`);
    expect(forbidden.status).toBe(403);
    const unknown = await openSse(`${w.t.url}/api/admin/cancellations/999999/events`, bearer(w.admin));
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.raw())).toMatchObject({ status: 404, errorCode: 'NOT_FOUND' });
  });
});
