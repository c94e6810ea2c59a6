import { checkout } from '../support/checkout';
import { bearer, createUser, TestOption, TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { ledger, seatStatus } from '../support/fixtures';
import { TestApp } from '../support/test-app';
import { startWorld, World } from '../support/world';

/** The contract's reservation lifecycle with the mock provider, through HTTP. */
describe('checkout lifecycle (mock provider)', () => {
  let w: World;
  let t: TestApp;
  let clock: FakeClock;
  let option: TestOption;
  let fan: TestUser;
  let other: TestUser;
  const seat = () => w.seat();

  beforeAll(async () => {
    w = await startWorld({ seats: 60, price: 77000 });
    ({ t, clock, option, user: fan } = w);
    other = await createUser(t);
  });
  afterAll(() => w.close());
  afterEach(() => clock.reset());

  describe('hold', () => {
    it('holds an AVAILABLE seat for HOLD_TTL_SECONDS with every contract field', async () => {
      const seatId = seat();
      const res = await checkout(t, fan).hold(seatId).expect(201);
      expect(Object.keys(res.body).sort()).toEqual(
        [
          'id',
          'orderId',
          'userId',
          'seatId',
          'optionId',
          'concertId',
          'seatNumber',
          'status',
          'amount',
          'reservedAt',
          'holdExpiresAt',
          'confirmedAt',
          'expiredAt',
          'cancelledAt',
          'refundedAt',
          'paymentMethod',
          'paymentProvider',
          'paymentStatus',
          'paymentTransactionId',
          'paymentAction',
          'paymentRedirectUrl',
          'paymentFailureReason',
          'refundCutoffAt',
        ].sort(),
      );
      expect(res.body).toMatchObject({
        userId: fan.id,
        seatId,
        optionId: option.optionId,
        concertId: option.concertId,
        status: 'HOLD',
        amount: 77000,
        paymentStatus: null,
        paymentAction: null,
      });
      expect(res.body.holdExpiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const ttl = Date.parse(res.body.holdExpiresAt) - Date.parse(res.body.reservedAt);
      expect(ttl).toBe(300_000);
      expect(await seatStatus(t, seatId)).toBe('TEMP_RESERVED');
    });

    it('refuses a seat that is already held with 409 SEAT_NOT_AVAILABLE', async () => {
      const seatId = seat();
      await checkout(t, fan).hold(seatId).expect(201);
      const res = await checkout(t, other).hold(seatId).expect(409);
      expect(res.body).toMatchObject({ status: 409, errorCode: 'SEAT_NOT_AVAILABLE' });
    });

    it('answers 404 for an unknown seat and 400 for a malformed seatId, changing nothing', async () => {
      const before = await t.dataSource.query('SELECT count(*)::int AS n FROM reservations');
      await checkout(t, fan).hold(999999).expect(404);
      for (const bad of [0, -1, 1.5, '7', null, 'x', 2 ** 31, [1]]) {
        const res = await checkout(t, fan).hold(bad).expect(400);
        expect(res.body.errorCode).toBe('VALIDATION_FAILED');
      }
      await t
        .http()
        .post('/api/reservations/v7/holds')
        .set(bearer(fan))
        .send({ seatId: seat(), x: 1 })
        .expect(400);
      expect(await t.dataSource.query('SELECT count(*)::int AS n FROM reservations')).toEqual(before);
    });

    it('requires authentication', async () => {
      const res = await t.http().post('/api/reservations/v7/holds').send({ seatId: seat() }).expect(401);
      expect(res.body.errorCode).toBe('UNAUTHENTICATED');
    });
  });

  describe('paying', () => {
    it('moves HOLD to PAYING keeping the deadline, and is a 200 no-op when repeated', async () => {
      const held = await checkout(t, fan).hold(seat()).expect(201);
      const paying = await checkout(t, fan).paying(held.body.id).expect(200);
      expect(paying.body).toMatchObject({ status: 'PAYING', holdExpiresAt: held.body.holdExpiresAt });
      const again = await checkout(t, fan).paying(held.body.id).expect(200);
      expect(again.body.status).toBe('PAYING');
    });

    it("answers 404 for another user's reservation and for an unknown one", async () => {
      const held = await checkout(t, fan).hold(seat()).expect(201);
      await checkout(t, other).paying(held.body.id).expect(404);
      await checkout(t, other).get(held.body.id).expect(404);
      await checkout(t, other).confirm(held.body.id).expect(404);
      await checkout(t, other).cancel(held.body.id).expect(404);
      await checkout(t, other).payments(held.body.id).expect(404);
      await checkout(t, fan).paying(987654).expect(404);
      expect((await checkout(t, fan).get(held.body.id).expect(200)).body.status).toBe('HOLD');
    });

    it('after the deadline answers 409 HOLD_EXPIRED and commits EXPIRED with the seat AVAILABLE', async () => {
      const seatId = seat();
      const held = await checkout(t, fan).hold(seatId).expect(201);
      clock.advance(300_000);
      const res = await checkout(t, fan).paying(held.body.id).expect(409);
      expect(res.body.errorCode).toBe('HOLD_EXPIRED');
      const row = await checkout(t, fan).get(held.body.id).expect(200);
      expect(row.body).toMatchObject({ status: 'EXPIRED' });
      expect(row.body.expiredAt).not.toBeNull();
      expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
      // Counted like every other expiry, under the path that noticed it.
      const metrics = await t.http().get('/metrics').expect(200);
      expect(metrics.text).toMatch(/^checkout_expiries_total\{source="request"\} [1-9]/m);
      // Final: later calls keep answering HOLD_EXPIRED.
      expect((await checkout(t, fan).confirm(held.body.id).expect(409)).body.errorCode).toBe('HOLD_EXPIRED');
    });
  });

  describe('confirm', () => {
    it('is refused from HOLD with 409 INVALID_STATE_TRANSITION', async () => {
      const held = await checkout(t, fan).hold(seat()).expect(201);
      const res = await checkout(t, fan).confirm(held.body.id).expect(409);
      expect(res.body.errorCode).toBe('INVALID_STATE_TRANSITION');
      expect(await ledger(t, held.body.id)).toEqual([]);
    });

    it('approve → CONFIRMED with the seat RESERVED; a repeat is 200 unchanged and charges nothing', async () => {
      const seatId = seat();
      const id = await checkout(t, fan).toPaying(seatId);
      const res = await checkout(t, fan).confirm(id).expect(200);
      expect(res.body).toMatchObject({
        status: 'CONFIRMED',
        paymentStatus: 'SUCCESS',
        paymentAction: 'NONE',
        paymentMethod: 'CARD',
        paymentProvider: 'mock',
        paymentFailureReason: null,
      });
      expect(res.body.confirmedAt).not.toBeNull();
      expect(await seatStatus(t, seatId)).toBe('RESERVED');
      const again = await checkout(t, fan).confirm(id).expect(200);
      expect(again.body).toMatchObject({
        status: 'CONFIRMED',
        paymentTransactionId: res.body.paymentTransactionId,
      });
      expect(await ledger(t, id)).toEqual([{ type: 'PAYMENT', status: 'SUCCESS', amount: 77000 }]);
    });

    it('decline keeps PAYING with RETRY_CONFIRM, and a retry makes a new attempt that can succeed', async () => {
      const id = await checkout(t, fan).toPaying(seat());
      const declined = await checkout(t, fan).confirm(id, { mockOutcome: 'decline' }).expect(200);
      expect(declined.body).toMatchObject({
        status: 'PAYING',
        paymentStatus: 'FAILED',
        paymentAction: 'RETRY_CONFIRM',
      });
      expect(declined.body.paymentFailureReason).toEqual(expect.any(String));
      const retried = await checkout(t, fan).confirm(id, { mockOutcome: 'approve' }).expect(200);
      expect(retried.body).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'SUCCESS' });
      expect(retried.body.paymentTransactionId).not.toBe(declined.body.paymentTransactionId);
      expect(await ledger(t, id)).toEqual([
        { type: 'PAYMENT', status: 'FAILED', amount: 77000 },
        { type: 'PAYMENT', status: 'SUCCESS', amount: 77000 },
      ]);
      const payments = await checkout(t, fan).payments(id).expect(200);
      expect(payments.body.map((p: { status: string }) => p.status)).toEqual(['FAILED', 'SUCCESS']);
      expect(Object.keys(payments.body[0])).toEqual(
        expect.arrayContaining([
          'id',
          'userId',
          'reservationId',
          'type',
          'status',
          'paymentMethod',
          'paymentProvider',
          'providerTransactionId',
          'amount',
          'balanceAfterAmount',
          'idempotencyKey',
          'failureReason',
          'createdAt',
          'updatedAt',
        ]),
      );
    });

    it('pending → WAIT_WEBHOOK; while PENDING, confirm returns the same attempt and charges nothing more', async () => {
      const id = await checkout(t, fan).toPaying(seat());
      const pending = await checkout(t, fan).confirm(id, { mockOutcome: 'pending' }).expect(200);
      expect(pending.body).toMatchObject({
        status: 'PAYING',
        paymentStatus: 'PENDING',
        paymentAction: 'WAIT_WEBHOOK',
      });
      const again = await checkout(t, fan).confirm(id, { mockOutcome: 'approve' }).expect(200);
      expect(again.body.paymentTransactionId).toBe(pending.body.paymentTransactionId);
      expect(await ledger(t, id)).toEqual([{ type: 'PAYMENT', status: 'PENDING', amount: 77000 }]);
    });

    it('refuses a method that is not enabled with 409 PAYMENT_METHOD_UNAVAILABLE', async () => {
      const id = await checkout(t, fan).toPaying(seat());
      const res = await checkout(t, fan).confirm(id, { paymentMethod: 'KAKAOPAY' }).expect(409);
      expect(res.body.errorCode).toBe('PAYMENT_METHOD_UNAVAILABLE');
      await checkout(t, fan).confirm(id, { paymentMethod: 'PAYPAL' }).expect(400);
      await checkout(t, fan).confirm(id, { mockOutcome: 'maybe' }).expect(400);
      expect(await ledger(t, id)).toEqual([]);
    });

    it('after the deadline answers 409 HOLD_EXPIRED, charges nothing and leaves the row EXPIRED', async () => {
      const seatId = seat();
      const id = await checkout(t, fan).toPaying(seatId);
      clock.advance(300_001);
      expect((await checkout(t, fan).confirm(id).expect(409)).body.errorCode).toBe('HOLD_EXPIRED');
      expect(await ledger(t, id)).toEqual([]);
      expect((await checkout(t, fan).get(id)).body.status).toBe('EXPIRED');
      expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the stored response for the same body and answers 422 for another body', async () => {
      const id = await checkout(t, fan).toPaying(seat());
      const first = await checkout(t, fan).confirm(id, { mockOutcome: 'decline' }, 'key-1').expect(200);
      const replay = await checkout(t, fan).confirm(id, { mockOutcome: 'decline' }, 'key-1').expect(200);
      expect(replay.body).toEqual(JSON.parse(JSON.stringify(first.body)));
      expect(await ledger(t, id)).toHaveLength(1); // the replay did not charge again
      const reused = await checkout(t, fan).confirm(id, { mockOutcome: 'approve' }, 'key-1').expect(422);
      expect(reused.body.errorCode).toBe('IDEMPOTENCY_KEY_REUSED');
      // A fresh key is a new request: the retry after a decline goes through.
      expect(
        (await checkout(t, fan).confirm(id, { mockOutcome: 'approve' }, 'key-2').expect(200)).body.status,
      ).toBe('CONFIRMED');
    });

    it('replays stored errors too, and rejects a malformed key', async () => {
      const held = await checkout(t, fan).hold(seat()).expect(201);
      const first = await checkout(t, fan).confirm(held.body.id, {}, 'err-key').expect(409);
      const replay = await checkout(t, fan).confirm(held.body.id, {}, 'err-key').expect(409);
      expect(replay.body.errorCode).toBe(first.body.errorCode);
      await checkout(t, fan).confirm(held.body.id, {}, 'bad key with spaces').expect(400);
    });
  });

  describe('cancel', () => {
    it('cancels HOLD and PAYING (with a PENDING attempt kept for a late webhook), freeing the seat', async () => {
      const seatA = seat();
      const held = await checkout(t, fan).hold(seatA).expect(201);
      const cancelled = await checkout(t, fan).cancel(held.body.id).expect(200);
      expect(cancelled.body.status).toBe('CANCELLED');
      expect(cancelled.body.cancelledAt).not.toBeNull();
      expect(await seatStatus(t, seatA)).toBe('AVAILABLE');

      const seatB = seat();
      const id = await checkout(t, fan).toPaying(seatB);
      await checkout(t, fan).confirm(id, { mockOutcome: 'pending' }).expect(200);
      expect((await checkout(t, fan).cancel(id).expect(200)).body.status).toBe('CANCELLED');
      expect(await seatStatus(t, seatB)).toBe('AVAILABLE');
      expect(await ledger(t, id)).toEqual([{ type: 'PAYMENT', status: 'PENDING', amount: 77000 }]);
      // Final states refuse further transitions.
      expect((await checkout(t, fan).confirm(id).expect(409)).body.errorCode).toBe(
        'INVALID_STATE_TRANSITION',
      );
      expect((await checkout(t, fan).paying(id).expect(409)).body.errorCode).toBe('INVALID_STATE_TRANSITION');
      expect((await checkout(t, fan).cancel(id).expect(409)).body.errorCode).toBe('INVALID_STATE_TRANSITION');
      // The freed seat can be held again.
      await checkout(t, other).hold(seatB).expect(201);
    });
  });

  describe('queries', () => {
    it('GET me lists newest first with repeatable status and option filters', async () => {
      const user = await createUser(t);
      const a = (await checkout(t, user).hold(seat()).expect(201)).body.id;
      const b = (await checkout(t, user).hold(seat()).expect(201)).body.id;
      await checkout(t, user).cancel(a).expect(200);
      const all = await checkout(t, user).mine().expect(200);
      expect(all.body.map((r: { id: number }) => r.id)).toEqual([b, a]);
      const held = await checkout(t, user).mine('?status=HOLD').expect(200);
      expect(held.body.map((r: { id: number }) => r.id)).toEqual([b]);
      const both = await checkout(t, user).mine('?status=HOLD&status=CANCELLED').expect(200);
      expect(both.body).toHaveLength(2);
      expect(
        (
          await checkout(t, user)
            .mine(`?optionId=${option.optionId + 1000}`)
            .expect(200)
        ).body,
      ).toEqual([]);
      expect((await checkout(t, user).mine(`?concertId=${option.concertId}`).expect(200)).body).toHaveLength(
        2,
      );
      await checkout(t, user).mine('?status=NOPE').expect(400);
      await checkout(t, user).mine('?optionId=-3').expect(400);
    });
  });

  describe('payment methods', () => {
    it('lists the mock catalog publicly', async () => {
      const res = await t.http().get('/api/payments/methods').expect(200);
      expect(res.body).toMatchObject({
        provider: 'mock',
        providerMode: 'CARD_MOCK_SIMULATION',
        defaultMethod: 'CARD',
      });
      expect(res.body.methods.map((m: { code: string; status: string }) => `${m.code}:${m.status}`)).toEqual([
        'CARD:AVAILABLE',
        'KAKAOPAY:PLANNED',
        'NAVERPAY:PLANNED',
      ]);
    });
  });
});
