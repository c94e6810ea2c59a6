import { DomainError } from '../../src/common/errors/domain-error';
import { RefundModule } from '../../src/modules/refund/refund.module';
import { RefundService } from '../../src/modules/refund/refund.service';
import { ledger, netPaid, reservationStatus, seatStatus, walletBalance } from '../support/fixtures';
import { ModuleContext, startModules } from '../support/module-harness';
import { TestGateway } from '../support/test-gateway';

const HOUR = 3600 * 1000;
const concertDate = new Date(Date.now() + 72 * HOUR);

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return err.code;
}

/**
 * Each provider when a refund is refused or cannot be made, and the wallet's refund into the balance. The
 * mock refuses every refund with MOCK_REFUND_OUTCOME=fail; pg-ready's refund is synchronous, and its
 * "gateway unreachable" path is played by a fault-injecting double under pg-ready's name.
 */
describe('refunds the gateway refuses (mock, wallet, pg-ready)', () => {
  describe('mock with MOCK_REFUND_OUTCOME=fail', () => {
    let t: ModuleContext;
    beforeAll(async () => {
      t = await startModules([RefundModule], {
        env: { MOCK_REFUND_OUTCOME: 'fail', PAYMENT_PROVIDER: 'mock', MAX_ACTIVE_HOLDS_PER_USER: '0' },
      });
    });
    afterAll(() => t.close());

    it('a fan refund answers PAYMENT_GATEWAY_ERROR; the ticket stays CONFIRMED and no money moves', async () => {
      const fan = await t.newUser();
      const { seatIds } = await t.newShow({ seats: 2, price: 30000, concertDate });
      const id = await t.confirmedTicket(fan, seatIds[0]);
      expect(await refusal(t.get(RefundService).refundByUser(fan.principal, id))).toBe(
        'PAYMENT_GATEWAY_ERROR',
      );
      expect(await reservationStatus(t, id)).toBe('CONFIRMED');
      expect(await seatStatus(t, seatIds[0])).toBe('RESERVED');
      expect(await netPaid(t, id)).toBe(30000);
      expect(await ledger(t, id)).toEqual([
        { type: 'PAYMENT', status: 'SUCCESS', amount: 30000 },
        { type: 'REFUND', status: 'FAILED', amount: 30000 },
      ]);
    });
  });

  describe('mock with the default MOCK_REFUND_OUTCOME (approve)', () => {
    let t: ModuleContext;
    beforeAll(async () => {
      t = await startModules([RefundModule], { env: { PAYMENT_PROVIDER: 'mock' } });
    });
    afterAll(() => t.close());

    it('refunds, with a provider reference derived from the item-derived idempotency key', async () => {
      const fan = await t.newUser();
      const { seatIds } = await t.newShow({ seats: 1, price: 30000, concertDate });
      const id = await t.confirmedTicket(fan, seatIds[0]);
      expect((await t.get(RefundService).refundByUser(fan.principal, id)).status).toBe('REFUNDED');
      const [row] = (await t.dataSource.query(
        `SELECT idempotency_key, provider_transaction_id FROM payment_transactions
          WHERE reservation_id = $1 AND type = 'REFUND'`,
        [id],
      )) as { idempotency_key: string; provider_transaction_id: string }[];
      // The gateway is asked with the item-derived key (the same on every attempt for this item).
      expect(row.provider_transaction_id).toBe(`mock_refund_refund-item-${id}`);
    });
  });

  describe('wallet', () => {
    let t: ModuleContext;
    beforeAll(async () => {
      t = await startModules([RefundModule], { env: { PAYMENT_PROVIDER: 'wallet' } });
    });
    afterAll(() => t.close());

    it('refunds into the balance: the fan has what they had before buying', async () => {
      const fan = await t.newUser();
      const before = await walletBalance(t, fan.id);
      const { seatIds } = await t.newShow({ seats: 1, price: 45000, concertDate });
      const id = await t.confirmedTicket(fan, seatIds[0], { paymentMethod: 'WALLET' });
      expect(await walletBalance(t, fan.id)).toBe(before - 45000);
      expect((await t.get(RefundService).refundByUser(fan.principal, id)).status).toBe('REFUNDED');
      expect(await walletBalance(t, fan.id)).toBe(before);
      expect(await netPaid(t, id)).toBe(0);
    });
  });

  describe('pg-ready, gateway unreachable (fault-injecting double)', () => {
    const gateway = new TestGateway('pg-ready');
    let t: ModuleContext;
    beforeAll(async () => {
      t = await startModules([RefundModule], {
        env: { PAYMENT_PROVIDER: 'pg-ready', PG_READY_WEBHOOK_SECRET: 'whsec_test_secret_123' },
        gateway,
      });
    });
    afterAll(() => t.close());

    it('PAYMENT_GATEWAY_ERROR and nothing changes; once reachable the refund completes synchronously', async () => {
      const fan = await t.newUser();
      const { seatIds } = await t.newShow({ seats: 1, price: 50000, concertDate });
      const id = await t.confirmedTicket(fan, seatIds[0]);
      gateway.refundBehaviour = 'unreachable';
      expect(await refusal(t.get(RefundService).refundByUser(fan.principal, id))).toBe(
        'PAYMENT_GATEWAY_ERROR',
      );
      expect(await reservationStatus(t, id)).toBe('CONFIRMED');
      expect(await netPaid(t, id)).toBe(50000);
      gateway.refundBehaviour = 'ok';
      // Synchronous: REFUNDED in the call's own answer, no webhook awaited.
      expect((await t.get(RefundService).refundByUser(fan.principal, id)).status).toBe('REFUNDED');
      expect(await netPaid(t, id)).toBe(0);
      expect(gateway.refundCalls).toBe(2);
    });
  });
});
