import { checkout } from '../support/checkout';
import { ledger, netPaid, seatStatus } from '../support/fixtures';
import { bearer, createUser, TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { TestApp } from '../support/test-app';
import { TestGateway } from '../support/test-gateway';
import { startWorld, World } from '../support/world';

const HOUR = 3600 * 1000;

interface AuditRow {
  id: number;
  reservationId: number | null;
  targetUserId: number | null;
  actorUserId: number;
  actorRole: string;
  result: string;
  reason: string | null;
  detailMessage: string | null;
  occurredAt: string;
}

/**
 * The admin override and its audit trail. The console is opened to USER here on purpose: the override and
 * the audit list stay ADMIN-only whatever ADMIN_CONSOLE_MINIMUM_ROLE says.
 */
describe('admin refund override and audit (ADMIN_CONSOLE_MINIMUM_ROLE=USER)', () => {
  const gateway = new TestGateway();
  let w: World;
  let t: TestApp;
  let clock: FakeClock;
  let admin: TestUser;
  let owner: TestUser;

  beforeAll(async () => {
    // The show starts in 2 h: the user's cutoff (24 h before) has already passed.
    w = await startWorld({
      env: { ADMIN_CONSOLE_MINIMUM_ROLE: 'USER' },
      gateway,
      seats: 40,
      price: 90000,
      concertDate: new Date(Date.now() + 2 * HOUR),
    });
    ({ t, clock, admin, user: owner } = w);
  });
  afterAll(() => w.close());
  beforeEach(() => {
    clock.reset();
    gateway.reset();
  });

  /** An override with `body`, by default with a reason (mandatory); `null` sends no body at all. */
  const override = (
    who: TestUser | null,
    id: number | string,
    body: object | null = { reason: 'checked by support' },
  ) => {
    const req = t.http().post(`/api/reservations/v7/admin/${id}/refund`);
    if (who) req.set(bearer(who));
    return body === null ? req : req.send(body);
  };
  const auditList = (who: TestUser | null, query = '') => {
    const req = t.http().get(`/api/reservations/v7/audit/admin-refunds${query}`);
    return who ? req.set(bearer(who)) : req;
  };
  const auditRows = async (): Promise<AuditRow[]> =>
    (await auditList(admin, '?limit=200').expect(200)).body.reverse();
  const auditCount = async () =>
    Number((await t.dataSource.query('SELECT count(*) AS n FROM admin_refund_audit_logs'))[0].n);

  const confirmed = () => w.confirmedTicket();

  it('refunds the owner after the user cutoff (SUCCESS row); the owner could not', async () => {
    const { id, seatId } = await confirmed();
    const mine = checkout(t, owner);
    expect((await mine.refund(id).expect(409)).body.errorCode).toBe('REFUND_CUTOFF_PASSED');

    const res = await override(admin, id, { reason: 'Show cancelled by the venue' }).expect(200);
    expect(res.body).toMatchObject({ id, userId: owner.id, status: 'REFUNDED' });
    expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
    const refunds: { user_id: number; status: string }[] = await t.dataSource.query(
      `SELECT user_id, status FROM payment_transactions WHERE reservation_id = $1 AND type = 'REFUND'`,
      [id],
    );
    expect(refunds).toEqual([{ user_id: owner.id, status: 'SUCCESS' }]);
    expect(await netPaid(t, id)).toBe(0);

    const rows = await auditRows();
    expect(rows.at(-1)).toMatchObject({
      reservationId: id,
      targetUserId: owner.id,
      actorUserId: admin.id,
      actorRole: 'ADMIN',
      result: 'SUCCESS',
      reason: 'Show cancelled by the venue',
    });
    expect(rows.at(-1)!.detailMessage).toContain('90000');
    expect(rows.at(-1)!.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('a repeated override is 409 REFUND_NOT_ALLOWED with a FAILED row; nothing is refunded twice', async () => {
    const { id } = await confirmed();
    await override(admin, id).expect(200);
    const before = await auditCount();
    const res = await override(admin, id, { reason: 'again' }).expect(409);
    expect(res.body.errorCode).toBe('REFUND_NOT_ALLOWED');
    expect(await auditCount()).toBe(before + 1);
    expect((await auditRows()).at(-1)).toMatchObject({
      reservationId: id,
      targetUserId: owner.id,
      result: 'FAILED',
      reason: 'again',
    });
    expect((await auditRows()).at(-1)!.detailMessage).toMatch(/^REFUND_NOT_ALLOWED: /);
    expect((await ledger(t, id)).filter((r) => r.type === 'REFUND')).toHaveLength(1);
    expect(gateway.refundCalls).toBe(1);
  });

  it('a USER caller gets 403 and a DENIED row, even the owner, even with a bad body; nothing changes', async () => {
    const { id, seatId } = await confirmed();
    const stranger = await createUser(t);
    const before = await auditCount();

    expect((await override(owner, id, { reason: 'please' }).expect(403)).body).toMatchObject({
      status: 403,
      errorCode: 'FORBIDDEN',
    });
    await override(stranger, id, { reason: 'x'.repeat(501), extra: true }).expect(403);
    await override(stranger, 999999).expect(403); // no hint whether a reservation exists

    expect(await auditCount()).toBe(before + 3);
    const [byOwner, byStranger, unknown] = (await auditRows()).slice(-3);
    expect(byOwner).toMatchObject({
      reservationId: id,
      targetUserId: owner.id,
      actorUserId: owner.id,
      actorRole: 'USER',
      result: 'DENIED',
      reason: 'please',
    });
    expect(byStranger).toMatchObject({
      reservationId: id,
      actorUserId: stranger.id,
      result: 'DENIED',
      reason: null,
    });
    expect(unknown).toMatchObject({ reservationId: 999999, targetUserId: null, result: 'DENIED' });
    expect((await checkout(t, owner).get(id).expect(200)).body.status).toBe('CONFIRMED');
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    expect(gateway.refundCalls).toBe(0);
  });

  it('an anonymous or badly authenticated caller gets 401 and writes no row', async () => {
    const { id } = await confirmed();
    const before = await auditCount();
    expect((await override(null, id).expect(401)).body.errorCode).toBe('UNAUTHENTICATED');
    await t
      .http()
      .post(`/api/reservations/v7/admin/${id}/refund`)
      .set('Authorization', 'Bearer nope')
      .expect(401);
    expect(await auditCount()).toBe(before);
  });

  it('unknown reservation → 404 with a FAILED row', async () => {
    const before = await auditCount();
    expect((await override(admin, 987654).expect(404)).body.errorCode).toBe('NOT_FOUND');
    expect(await auditCount()).toBe(before + 1);
    expect((await auditRows()).at(-1)).toMatchObject({
      reservationId: 987654,
      targetUserId: null,
      actorUserId: admin.id,
      result: 'FAILED',
    });
  });

  it('never paid (HOLD, PAYING, CANCELLED) → 409 REFUND_NOT_ALLOWED with a FAILED row each', async () => {
    const c = checkout(t, owner);
    const hold = (await c.hold(w.seat()).expect(201)).body.id as number;
    const paying = await c.toPaying(w.seat());
    const cancelled = await c.toPaying(w.seat());
    await c.cancel(cancelled).expect(200);
    for (const [id, status] of [
      [hold, 'HOLD'],
      [paying, 'PAYING'],
      [cancelled, 'CANCELLED'],
    ] as const) {
      const res = await override(admin, id).expect(409);
      expect(res.body.errorCode).toBe('REFUND_NOT_ALLOWED');
      expect((await auditRows()).at(-1)).toMatchObject({
        reservationId: id,
        targetUserId: owner.id,
        result: 'FAILED',
      });
      expect((await c.get(id).expect(200)).body.status).toBe(status);
    }
    expect(gateway.refundCalls).toBe(0);
  });

  it('bad input from an ADMIN is 400 VALIDATION_FAILED with a FAILED row', async () => {
    const { id } = await confirmed();
    const before = await auditCount();
    expect((await override(admin, id, { reason: 'x'.repeat(501) }).expect(400)).body.errorCode).toBe(
      'VALIDATION_FAILED',
    );
    await override(admin, id, { reason: 'fine', unknownField: 1 }).expect(400);
    await override(admin, id, { reason: 42 }).expect(400);
    await override(admin, id, {}).expect(400); // the reason is mandatory
    await override(admin, id, null).expect(400); // no body, no reason
    await override(admin, id, { reason: 'ok' }).expect(400); // 3 characters at least
    await override(admin, 'abc').expect(400);
    await override(admin, '0').expect(400);
    expect(await auditCount()).toBe(before + 8);
    const rows = (await auditRows()).slice(-8);
    expect(rows.map((r) => r.result)).toEqual(Array(8).fill('FAILED'));
    expect(rows.map((r) => r.reservationId)).toEqual([id, id, id, id, id, id, null, null]);
    rows.forEach((r) => expect(r.detailMessage).toMatch(/^VALIDATION_FAILED: /));
    expect((await checkout(t, owner).get(id).expect(200)).body.status).toBe('CONFIRMED');
  });

  it('gateway failure → 502 with a FAILED row and the ticket unchanged; the retry gets a SUCCESS row', async () => {
    const { id, seatId } = await confirmed();
    gateway.refundBehaviour = 'unreachable';
    expect((await override(admin, id, { reason: 'retry 1' }).expect(502)).body.errorCode).toBe(
      'PAYMENT_GATEWAY_ERROR',
    );
    expect((await auditRows()).at(-1)).toMatchObject({
      reservationId: id,
      result: 'FAILED',
      reason: 'retry 1',
    });
    expect((await auditRows()).at(-1)!.detailMessage).toMatch(/^PAYMENT_GATEWAY_ERROR: /);
    expect((await checkout(t, owner).get(id).expect(200)).body.status).toBe('CONFIRMED');
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    expect(await ledger(t, id)).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS', amount: 90000 },
      { type: 'REFUND', status: 'FAILED', amount: 90000 },
    ]);

    gateway.refundBehaviour = 'ok';
    await override(admin, id, { reason: 'retry 2' }).expect(200);
    expect((await auditRows()).at(-1)).toMatchObject({
      reservationId: id,
      result: 'SUCCESS',
      reason: 'retry 2',
    });
  });

  it('the audit row survives when the refund transaction is forced to roll back', async () => {
    const { id, seatId } = await confirmed();
    // Fault injection in the database: the statement that moves this reservation to REFUNDED fails, so
    // the transaction that would record the SUCCESS refund rolls back after the gateway answered.
    const fn = `test_fail_refund_${id}`;
    await t.dataSource.query(
      `CREATE FUNCTION ${fn}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'forced rollback (test)'; END $$ LANGUAGE plpgsql`,
    );
    await t.dataSource.query(
      `CREATE TRIGGER ${fn} BEFORE UPDATE ON reservations FOR EACH ROW
         WHEN (NEW.id = ${id} AND NEW.status = 'REFUNDED') EXECUTE FUNCTION ${fn}()`,
    );
    try {
      const before = await auditCount();
      const res = await override(admin, id, { reason: 'rollback test' }).expect(500);
      expect(res.body.errorCode).toBe('INTERNAL_ERROR');
      expect(await auditCount()).toBe(before + 1);
      const row = (await auditRows()).at(-1)!;
      expect(row).toMatchObject({ reservationId: id, result: 'FAILED', reason: 'rollback test' });
      expect(row.detailMessage).toContain('forced rollback (test)');
    } finally {
      await t.dataSource.query(`DROP TRIGGER IF EXISTS ${fn} ON reservations`);
      await t.dataSource.query(`DROP FUNCTION IF EXISTS ${fn}()`);
    }
    // The business change rolled back: no REFUNDED ticket, no SUCCESS refund, no REFUNDED event.
    expect((await checkout(t, owner).get(id).expect(200)).body.status).toBe('CONFIRMED');
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
    expect((await ledger(t, id)).filter((r) => r.status === 'SUCCESS' && r.type === 'REFUND')).toEqual([]);
    const events = await t.dataSource.query(
      `SELECT 1 FROM outbox_events WHERE reservation_id = $1 AND status = 'REFUNDED'`,
      [id],
    );
    expect(events).toEqual([]);
  });

  describe('GET /api/reservations/v7/audit/admin-refunds', () => {
    it('is ADMIN only: USER 403, anonymous 401', async () => {
      expect((await auditList(owner).expect(403)).body.errorCode).toBe('FORBIDDEN');
      expect((await auditList(null).expect(401)).body.errorCode).toBe('UNAUTHENTICATED');
    });

    it('lists newest first in the contract shape and filters by reservationId, actorUserId, result', async () => {
      const { id } = await confirmed();
      await override(owner, id).expect(403);
      clock.advance(1000);
      await override(admin, id, { reason: 'first' }).expect(200);
      clock.advance(1000);
      await override(admin, id, { reason: 'second' }).expect(409);

      const byReservation = (await auditList(admin, `?reservationId=${id}`).expect(200)).body as AuditRow[];
      expect(byReservation.map((r) => r.result)).toEqual(['FAILED', 'SUCCESS', 'DENIED']);
      expect(Object.keys(byReservation[0]).sort()).toEqual(
        [
          'id',
          'reservationId',
          'targetUserId',
          'actorUserId',
          'actorRole',
          'result',
          'reason',
          'detailMessage',
          'occurredAt',
        ].sort(),
      );
      const denied = (await auditList(admin, `?reservationId=${id}&actorUserId=${owner.id}`).expect(200))
        .body;
      expect(denied).toHaveLength(1);
      expect(denied[0]).toMatchObject({ actorUserId: owner.id, result: 'DENIED' });
      const success = (await auditList(admin, `?reservationId=${id}&result=SUCCESS`).expect(200)).body;
      expect(success.map((r: AuditRow) => r.reason)).toEqual(['first']);
    });

    it('filters by fromAt/toAt (inclusive, ISO UTC)', async () => {
      const { id } = await confirmed();
      clock.advance(10 * HOUR);
      await override(admin, id, { reason: 'at +10h' }).expect(200);
      clock.advance(1 * HOUR);
      await override(admin, id, { reason: 'at +11h' }).expect(409);
      clock.advance(1 * HOUR);
      await override(admin, id, { reason: 'at +12h' }).expect(409);
      const all = (await auditList(admin, `?reservationId=${id}`).expect(200)).body as AuditRow[];
      const middle = all[1].occurredAt;
      const exactly = (
        await auditList(admin, `?reservationId=${id}&fromAt=${middle}&toAt=${middle}`).expect(200)
      ).body;
      expect(exactly.map((r: AuditRow) => r.reason)).toEqual(['at +11h']);
      const from = (await auditList(admin, `?reservationId=${id}&fromAt=${middle}`).expect(200)).body;
      expect(from.map((r: AuditRow) => r.reason)).toEqual(['at +12h', 'at +11h']);
      const to = (await auditList(admin, `?reservationId=${id}&toAt=${middle}`).expect(200)).body;
      expect(to.map((r: AuditRow) => r.reason)).toEqual(['at +11h', 'at +10h']);
      // The same instant written with an offset is the same filter (normalised to UTC).
      const inSeoul = new Date(Date.parse(middle) + 9 * HOUR).toISOString().replace('Z', '+09:00');
      const query = `?reservationId=${id}&fromAt=${encodeURIComponent(inSeoul)}&toAt=${encodeURIComponent(inSeoul)}`;
      const offset = (await auditList(admin, query).expect(200)).body;
      expect(offset.map((r: AuditRow) => r.reason)).toEqual(['at +11h']);
    });

    it('rejects bad filters with 400 VALIDATION_FAILED', async () => {
      for (const query of [
        '?limit=0',
        '?limit=-1',
        '?limit=abc',
        '?limit=1.5',
        '?reservationId=0',
        '?reservationId=0x10',
        '?actorUserId=abc',
        '?result=OK',
        '?fromAt=2026-11-24',
        '?fromAt=2026-11-24T12:00:00',
        '?toAt=2026-11-24T12:00:00.000',
        '?fromAt=2026-02-30T00:00:00.000Z',
        '?toAt=yesterday',
        '?fromAt=2026-11-25T00:00:00.000Z&toAt=2026-11-24T00:00:00.000Z',
        '?bogus=1',
      ]) {
        const res = await auditList(admin, query);
        expect([query, res.status, res.body.errorCode]).toEqual([query, 400, 'VALIDATION_FAILED']);
      }
    });

    it('limit defaults to 50 and values above 200 are clamped to 200', async () => {
      await t.dataSource.query(
        `INSERT INTO admin_refund_audit_logs (reservation_id, actor_user_id, actor_role, result, occurred_at)
         SELECT NULL, $1, 'ADMIN', 'FAILED', now() - make_interval(secs => g) FROM generate_series(1, 250) g`,
        [admin.id],
      );
      expect((await auditList(admin).expect(200)).body).toHaveLength(50);
      expect((await auditList(admin, '?limit=1000').expect(200)).body).toHaveLength(200);
      const three = (await auditList(admin, '?limit=3').expect(200)).body as AuditRow[];
      expect(three).toHaveLength(3);
      const times = three.map((r) => Date.parse(r.occurredAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });
  });

  // From test/e2e/hardening/audit-text.e2e.spec.ts (hardening 4): a NUL in an override's reason cost the
  // audit its row. Every call leaves its row.
  it("writes a USER's DENIED row and an ADMIN's FAILED row whatever the reason holds", async () => {
    const lastAudit = async () =>
      (
        await t.dataSource.query(
          `SELECT result, reason, actor_user_id AS "actorUserId" FROM admin_refund_audit_logs ORDER BY id DESC LIMIT 1`,
        )
      )[0];
    const { id } = await w.confirmedTicket();
    const mallory = await createUser(t);
    const override = (as: typeof mallory, reason: string) =>
      t.http().post(`/api/reservations/v7/admin/${id}/refund`).set(bearer(as)).send({ reason });
    expect((await override(mallory, 'give\u0000me').expect(403)).body.errorCode).toBe('FORBIDDEN');
    expect(await lastAudit()).toEqual({ result: 'DENIED', reason: null, actorUserId: mallory.id });
    expect((await override(admin, 'bad\u0000reason').expect(400)).body.errorCode).toBe('VALIDATION_FAILED');
    expect(await lastAudit()).toEqual({ result: 'FAILED', reason: null, actorUserId: admin.id });
    expect((await override(admin, 'line\u0007bell').expect(400)).body.errorCode).toBe('VALIDATION_FAILED');
    expect((await lastAudit()).result).toBe('FAILED');
  });
});
