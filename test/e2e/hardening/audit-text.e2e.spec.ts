import { bearer, createUser } from '../../support/factories';
import { startWorld, World } from '../../support/world';

/** Hardening 4: a NUL in an override's reason cost the audit its row. Every call leaves its row. */
describe('hardening 4: control characters cannot keep a call out of the audit', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(() => w.close());
  const lastAudit = async () =>
    (
      await w.t.dataSource.query(
        `SELECT result, reason, actor_user_id AS "actorUserId" FROM admin_refund_audit_logs ORDER BY id DESC LIMIT 1`,
      )
    )[0];

  it("writes a USER's DENIED row and an ADMIN's FAILED row whatever the reason holds", async () => {
    const { id } = await w.confirmedTicket();
    const mallory = await createUser(w.t);
    const override = (as: typeof mallory, reason: string) =>
      w.t.http().post(`/api/reservations/v7/admin/${id}/refund`).set(bearer(as)).send({ reason });
    expect((await override(mallory, 'give\u0000me').expect(403)).body.errorCode).toBe('FORBIDDEN');
    expect(await lastAudit()).toEqual({ result: 'DENIED', reason: null, actorUserId: mallory.id });
    expect((await override(w.admin, 'bad\u0000reason').expect(400)).body.errorCode).toBe('VALIDATION_FAILED');
    expect(await lastAudit()).toEqual({ result: 'FAILED', reason: null, actorUserId: w.admin.id });
    expect((await override(w.admin, 'line\u0007bell').expect(400)).body.errorCode).toBe('VALIDATION_FAILED');
    expect((await lastAudit()).result).toBe('FAILED');
  });
});
