import { inTransaction } from '../../src/database/transaction';
import { PaymentReconciler } from '../../src/modules/checkout/reconcile/payment-reconciler.service';
import { AdminRefundService } from '../../src/modules/refund/admin-refund.service';
import { AuditLogRepository } from '../../src/modules/refund/audit-log.repository';
import { parseOverrideRequest } from '../../src/modules/refund/dto/admin-refund.dto';
import { RefundModule } from '../../src/modules/refund/refund.module';
import { RefundService } from '../../src/modules/refund/refund.service';
import { insertLedgerRow, ledger, reservationStatus, seatStatus } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
import { TestGateway } from '../support/test-gateway';

/** The audit log's transaction boundary, and the repair of a half-finished refund (the refund module alone). */
describe('refund audit trail and refund repair (services on PostgreSQL)', () => {
  const gateway = new TestGateway();
  let t: ModuleContext;
  let admin: Fan;
  let user: Fan;
  let seatIds: number[];
  let nextSeat = 0;

  beforeAll(async () => {
    t = await startModules([RefundModule], { env: { MAX_ACTIVE_HOLDS_PER_USER: '0' }, gateway });
    admin = await t.newUser('ADMIN');
    user = await t.newUser();
    seatIds = (await t.newShow({ seats: 10, price: 40000 })).seatIds;
  });
  afterAll(() => t.close());
  beforeEach(() => gateway.reset());

  async function confirmed(): Promise<{ id: number; seatId: number }> {
    const seatId = seatIds[nextSeat++];
    return { id: await t.confirmedTicket(user, seatId), seatId };
  }

  const openRequests = (id: number): Promise<{ actor_user_id: number; reason: string }[]> =>
    t.dataSource.query('SELECT actor_user_id, reason FROM admin_refund_requests WHERE reservation_id = $1', [
      id,
    ]);

  const auditRowsFor = (id: number): Promise<{ result: string; detail_message: string }[]> =>
    t.dataSource.query(
      'SELECT result, detail_message FROM admin_refund_audit_logs WHERE reservation_id = $1 ORDER BY id',
      [id],
    );

  it('an audit row written inside a business transaction survives that transaction rolling back', async () => {
    const { id, seatId } = await confirmed();
    const audit = t.get(AuditLogRepository);
    await expect(
      inTransaction(t.dataSource, async (em) => {
        // A business change and the audit row, then the business fails after the row was written.
        await em.query(`UPDATE reservations SET status = 'REFUNDED' WHERE id = $1`, [id]);
        await audit.record({
          reservationId: id,
          targetUserId: user.id,
          actorUserId: admin.id,
          actorRole: 'ADMIN',
          result: 'FAILED',
          reason: 'rollback probe',
          detailMessage: 'INTERNAL_ERROR: business step failed after the audit row',
          occurredAt: new Date(),
        });
        throw new Error('business step failed');
      }),
    ).rejects.toThrow('business step failed');

    expect(await auditRowsFor(id)).toEqual([
      { result: 'FAILED', detail_message: 'INTERNAL_ERROR: business step failed after the audit row' },
    ]);
    // …while the business change itself really was rolled back.
    expect(await reservationStatus(t, id)).toBe('CONFIRMED');
    expect(await seatStatus(t, seatId)).toBe('RESERVED');
  });

  it('override: a gateway failure leaves exactly one FAILED row and the reservation unchanged', async () => {
    const { id } = await confirmed();
    gateway.refundBehaviour = 'unreachable';
    const service = t.get(AdminRefundService);
    const request = await parseOverrideRequest(String(id), { reason: 'medium' });
    await expect(service.override(admin.principal, request)).rejects.toMatchObject({
      code: 'PAYMENT_GATEWAY_ERROR',
    });
    const rows = await auditRowsFor(id);
    expect(rows).toHaveLength(1);
    expect(rows[0].result).toBe('FAILED');
    expect(rows[0].detail_message).toMatch(/^PAYMENT_GATEWAY_ERROR: /);
    expect(await reservationStatus(t, id)).toBe('CONFIRMED');
    expect(await openRequests(id)).toEqual([]); // a final answer: nothing left for the reconciler
  });

  it("override: the SUCCESS row commits with the refund and closes the call's note", async () => {
    const { id } = await confirmed();
    const service = t.get(AdminRefundService);
    const request = await parseOverrideRequest(String(id), { reason: 'medium' });
    expect(await service.override(admin.principal, request)).toMatchObject({
      status: 'REFUNDED',
    });
    expect(await auditRowsFor(id)).toEqual([
      { result: 'SUCCESS', detail_message: `Refunded 40000 KRW to user ${user.id} (override of the cutoff)` },
    ]);
    expect(await openRequests(id)).toEqual([]);
  });

  it('override interrupted after the gateway refunded: the reconciler finishes it and audits the admin', async () => {
    const { id, seatId } = await confirmed();
    // The gateway refunds, then this process fails before recording the answer (as a crash would).
    gateway.beforeRefundAnswer = () => Promise.reject(new Error('process lost before recording the refund'));
    const service = t.get(AdminRefundService);
    const request = await parseOverrideRequest(String(id), { reason: 'venue flooded' });
    await expect(service.override(admin.principal, request)).rejects.toThrow('process lost');
    expect((await auditRowsFor(id)).map((r) => r.result)).toEqual(['FAILED']);
    expect(await openRequests(id)).toEqual([{ actor_user_id: admin.id, reason: 'venue flooded' }]);
    expect((await ledger(t, id)).map((r) => `${r.type}:${r.status}`)).toEqual([
      'PAYMENT:SUCCESS',
      'REFUND:PENDING',
    ]);

    gateway.beforeRefundAnswer = undefined;
    await t.dataSource.query(
      `UPDATE payment_transactions SET created_at = now() - interval '5 minutes',
              updated_at = now() - interval '5 minutes' WHERE reservation_id = $1 AND type = 'REFUND'`,
      [id],
    );
    expect((await t.get(PaymentReconciler).runOnce()).refundsResumed).toBe(1);

    const rows = await t.dataSource.query(
      `SELECT result, actor_user_id, actor_role, target_user_id, reason, detail_message
         FROM admin_refund_audit_logs WHERE reservation_id = $1 ORDER BY id`,
      [id],
    );
    expect(rows.map((r: { result: string }) => r.result)).toEqual(['FAILED', 'SUCCESS']);
    expect(rows[1]).toMatchObject({
      actor_user_id: admin.id,
      actor_role: 'ADMIN',
      target_user_id: user.id,
      reason: 'venue flooded',
    });
    expect(rows[1].detail_message).toMatch(/^Finished by the payment reconciler/);
    expect(await openRequests(id)).toEqual([]);
    expect(await reservationStatus(t, id)).toBe('REFUNDED');
    expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
  });

  it('a user refund finished by the reconciler writes no admin audit row', async () => {
    const { id } = await confirmed();
    await insertLedgerRow(t, {
      userId: user.id,
      reservationId: id,
      type: 'REFUND',
      status: 'PENDING',
      amount: 40000,
      provider: 'mock',
    });
    expect((await t.get(PaymentReconciler).runOnce()).refundsResumed).toBe(1);
    expect(await reservationStatus(t, id)).toBe('REFUNDED');
    expect(await auditRowsFor(id)).toEqual([]);
  });

  it('override: a USER principal is refused with a DENIED row before anything else is looked at', async () => {
    const { id } = await confirmed();
    const service = t.get(AdminRefundService);
    const request = await parseOverrideRequest(String(id), { reason: 123 });
    expect(request.invalid?.code).toBe('VALIDATION_FAILED');
    await expect(service.override(user.principal, request)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await auditRowsFor(id)).map((r) => r.result)).toEqual(['DENIED']);
  });

  it('completes a refund whose SUCCESS row committed without the reservation move (no second refund)', async () => {
    const { id, seatId } = await confirmed();
    // The state a crash leaves between a provider that settles its own row (wallet) and our transaction.
    await t.dataSource.query(
      `INSERT INTO payment_transactions
         (user_id, reservation_id, type, status, payment_provider, amount, idempotency_key)
       VALUES ($1, $2, 'REFUND', 'SUCCESS', 'mock', 40000, $3)`,
      [user.id, id, `crash-refund-${id}`],
    );
    const view = await t.get(RefundService).refundByUser(user.principal, id);
    expect(view.status).toBe('REFUNDED');
    expect(await seatStatus(t, seatId)).toBe('AVAILABLE');
    expect((await ledger(t, id)).filter((r) => r.type === 'REFUND')).toHaveLength(1);
    expect(gateway.refundCalls).toBe(0);
  });
});
