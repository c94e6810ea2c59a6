import { AdmissionTicker } from '../../src/modules/admission/waiting-room/admission-ticker';
import { checkout } from '../support/checkout';
import { bearer, createUser, TestUser } from '../support/factories';
import { expectError } from '../support/http';
import { startWorld, World } from '../support/world';

/** The admin console's API: reservation search and case file, user search, the admin actions trail, the room monitor. */
describe('admin console API', () => {
  let w: World;
  let fan: TestUser;
  const get = (path: string, as: TestUser = w.admin) => w.t.http().get(path).set(bearer(as));

  beforeAll(async () => {
    w = await startWorld({ seats: 20 });
    fan = await createUser(w.t, 'casefile');
  });
  afterAll(() => w.close());

  it('finds reservations by user, status, option and concert, newest first, with the username', async () => {
    const paid = await w.confirmedTicket(fan);
    const held = (await checkout(w.t, fan).hold(w.seat()).expect(201)).body.id;
    const mine = await get(`/api/admin/reservations?userId=${fan.id}`).expect(200);
    expect(mine.body.map((r: { id: number }) => r.id)).toEqual([held, paid.id]);
    expect(mine.body[0]).toMatchObject({ id: held, userId: fan.id, username: fan.username, status: 'HOLD' });
    const confirmed = await get(
      `/api/admin/reservations?status=CONFIRMED&concertId=${w.option.concertId}`,
    ).expect(200);
    expect(confirmed.body.map((r: { id: number }) => r.id)).toContain(paid.id);
    expect(confirmed.body.every((r: { status: string }) => r.status === 'CONFIRMED')).toBe(true);
    expectError(await get('/api/admin/reservations?userId=abc'), 400, 'VALIDATION_FAILED');
    expectError(await get('/api/admin/reservations', fan), 403, 'FORBIDDEN');
  });

  it("opens one reservation's case file: the reservation, its ledger and its override audit", async () => {
    const paid = await w.confirmedTicket(fan);
    await w.t
      .http()
      .post(`/api/reservations/v7/admin/${paid.id}/refund`)
      .set(bearer(w.admin))
      .send({ reason: 'Duplicate purchase, checked with the fan' })
      .expect(200);
    const res = await get(`/api/admin/reservations/${paid.id}`).expect(200);
    expect(res.body.reservation).toMatchObject({ id: paid.id, status: 'REFUNDED', username: fan.username });
    expect(res.body.payments.map((p: { type: string; status: string }) => `${p.type}:${p.status}`)).toEqual([
      'PAYMENT:SUCCESS',
      'REFUND:SUCCESS',
    ]);
    expect(res.body.adminRefunds).toEqual([
      expect.objectContaining({
        reservationId: paid.id,
        actorUserId: w.admin.id,
        result: 'SUCCESS',
        reason: 'Duplicate purchase, checked with the fan',
      }),
    ]);
    expectError(await get('/api/admin/reservations/999999'), 404, 'NOT_FOUND');
    expectError(await get(`/api/admin/reservations/${paid.id}`, fan), 403, 'FORBIDDEN');
  });

  it('finds users by the start of their name, case-insensitively, and literal % and _', async () => {
    const res = await get(`/api/admin/users?username=${fan.username.slice(0, 6).toUpperCase()}`).expect(200);
    expect(res.body).toContainEqual({ id: fan.id, username: fan.username, role: 'USER', tier: 'BASIC' });
    expect((await get('/api/admin/users?username=%25').expect(200)).body).toEqual([]);
    expectError(await get('/api/admin/users'), 400, 'VALIDATION_FAILED');
  });

  it('names the actor of every admin write in /api/admin/actions', async () => {
    const concert = await w.t
      .http()
      .post('/api/admin/concerts')
      .set(bearer(w.admin))
      .send({ title: 'Audited' })
      .expect(201);
    const concertId = concert.body.id as number;
    await w.t
      .http()
      .put(`/api/admin/concerts/${concertId}/sales-policy`)
      .set(bearer(w.admin))
      .send({ generalSaleStartAt: '2026-01-01T00:00:00.000Z', maxReservationsPerUser: 4 })
      .expect(200);
    await w.t
      .http()
      .put(`/api/admin/concerts/${concertId}/waiting-room`)
      .set(bearer(w.admin))
      .send({ enabled: false, admissionPerMinute: 60, maxActiveUsers: 10 })
      .expect(200);
    await w.t
      .http()
      .put(`/api/admin/users/${fan.id}/tier`)
      .set(bearer(w.admin))
      .send({ tier: 'GOLD' })
      .expect(200);
    const onConcert = await get(`/api/admin/actions?targetType=CONCERT&targetId=${concertId}`).expect(200);
    expect(onConcert.body.map((a: { action: string }) => a.action)).toEqual([
      'WAITING_ROOM_SET',
      'SALES_POLICY_SET',
      'CONCERT_CREATED',
    ]);
    for (const action of onConcert.body)
      expect(action).toMatchObject({ actorUserId: w.admin.id, actorRole: 'ADMIN' });
    const tier = await get(`/api/admin/actions?action=USER_TIER_SET&targetId=${fan.id}`).expect(200);
    expect(tier.body[0]).toMatchObject({
      targetType: 'USER',
      detail: { tier: 'GOLD' },
      actorUserId: w.admin.id,
    });
    expectError(await get('/api/admin/actions?action=DROP_TABLE'), 400, 'VALIDATION_FAILED');
  });

  it('keeps ten minutes of room ticks for the monitor', async () => {
    const concert = await w.t
      .http()
      .post('/api/admin/concerts')
      .set(bearer(w.admin))
      .send({ title: 'Monitored' })
      .expect(201);
    const concertId = concert.body.id as number;
    await w.t
      .http()
      .put(`/api/admin/concerts/${concertId}/waiting-room`)
      .set(bearer(w.admin))
      .send({ enabled: true, admissionPerMinute: 60, maxActiveUsers: 10 })
      .expect(200);
    await w.t.http().post('/api/v1/waiting-queue/join').set(bearer(fan)).send({ concertId }).expect(200);
    w.clock.advance(2000);
    await w.t.app.get(AdmissionTicker).tickNow();
    const res = await get(`/api/admin/concerts/${concertId}/waiting-room/history`).expect(200);
    expect(res.body.concertId).toBe(concertId);
    expect(res.body.samples.at(-1)).toMatchObject({ waitingCount: 0, activeCount: 1, admittedTotal: 1 });
    expect(res.body.samples.at(-1).at).toEqual(expect.any(String));
    expectError(await get('/api/admin/concerts/999999/waiting-room/history'), 404, 'NOT_FOUND');
  });

  it('says what the reconciler will do next with a stuck payment', async () => {
    const c = checkout(w.t, fan);
    const id = await c.toPaying(w.seat());
    await c.confirm(id, { mockOutcome: 'pending' }).expect(200);
    await c.cancel(id).expect(200); // the PENDING attempt is voided: nothing can confirm it any more
    const res = await get('/api/admin/payments/pending').expect(200);
    const row = res.body.find((r: { reservationId: number }) => r.reservationId === id);
    expect(row).toMatchObject({ reason: 'PENDING_AFTER_HOLD_ENDED', paymentProvider: 'mock' });
    expect(row.nextStep).toMatch(/^The reconciler asks the gateway from \S+Z: captured money is refunded/);
  });
});
