import { DomainError } from '../../src/common/errors/domain-error';
import { CatalogModule } from '../../src/modules/catalog/catalog.module';
import { CatalogService } from '../../src/modules/catalog/catalog.service';
import { ZonesService } from '../../src/modules/catalog/zones/zones.service';
import { PgWebhookEventDto } from '../../src/modules/checkout/webhook/pg-webhook.dto';
import { PgWebhookService } from '../../src/modules/checkout/webhook/pg-webhook.service';
import { RefundModule } from '../../src/modules/refund/refund.module';
import { RefundService } from '../../src/modules/refund/refund.service';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import { ledger, netPaid, walletBalance } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
import { pgEventBody } from '../support/signed-webhook';

const SHOW_PRICE = 50_000;
const VIP = 150_000;
const INITIAL = 1_000_000;

/**
 * A reservation's amount is fixed when the seat is held: a later price or layout change moves neither
 * what is charged (wallet debit, mock capture, the pg-ready attempt whose webhook amount must match) nor
 * what a refund returns. One run per provider, the ledger and the wallet as the witnesses.
 */
describe.each(['wallet', 'mock', 'pg-ready'])('zone prices and money, PAYMENT_PROVIDER=%s', (provider) => {
  let t: ModuleContext;
  let fan: Fan;

  beforeAll(async () => {
    t = await startModules([CatalogModule, RefundModule], {
      env: {
        PAYMENT_PROVIDER: provider,
        MAX_ACTIVE_HOLDS_PER_USER: '0',
        WALLET_INITIAL_BALANCE: String(INITIAL),
      },
    });
    fan = await t.newUser();
  });
  afterAll(() => t.close());

  /** Delivers a pg-ready webhook as its controller does once the signature is checked. */
  function deliver(event: Omit<PgWebhookEventDto, 'providerEventId' | 'eventType'>) {
    const raw = pgEventBody(event);
    return t.get(PgWebhookService).handle(JSON.parse(raw) as PgWebhookEventDto, Buffer.from(raw));
  }

  /** Confirms a PAYING reservation: the confirm call, and for pg-ready the APPROVED webhook. */
  async function pay(id: number, amountNow: number, held: number) {
    const answer = await t.confirm(fan, id);
    if (provider !== 'pg-ready') return answer;
    expect(answer).toMatchObject({ status: 'PAYING', paymentStatus: 'PENDING' });
    // The webhook's amount check uses the held amount: today's zone price is a mismatch.
    if (amountNow !== held) {
      const mismatch = await deliver({ status: 'APPROVED', reservationId: id, amount: amountNow }).then(
        () => undefined,
        (e: unknown) => (e instanceof DomainError ? e.code : e),
      );
      expect(mismatch).toBe('AMOUNT_MISMATCH');
    }
    expect((await deliver({ status: 'APPROVED', reservationId: id, amount: held })).result).toBe('CONFIRMED');
    return (await t.get(ReservationTransitions).view(id))!;
  }

  it('charges and refunds the held amount, whatever the zones did in between', async () => {
    const show = await t.newShow({ seats: 40, price: SHOW_PRICE });
    const zones = t.get(ZonesService);
    await zones.replace(show.optionId, [{ name: 'VIP', priceAmount: VIP, rows: ['A'] }]);
    const seats = new Map(
      (await t.get(CatalogService).listSeats(show.optionId, false)).map((s) => [s.seatNumber, s.id]),
    );
    const vip = await t.toPaying(fan, seats.get('A-1')!);
    const plain = await t.toPaying(fan, seats.get('B-1')!);

    // A new layout and new prices while both are held: A-1 would now cost 10, B-1 300,000.
    await zones.replace(show.optionId, [
      { name: 'VIP', priceAmount: 10, seatNumbers: ['A-1'] },
      { name: 'R', priceAmount: 300_000, rows: ['B'] },
    ]);
    expect((await pay(vip, 10, VIP)).status).toBe('CONFIRMED');
    expect((await pay(plain, 300_000, SHOW_PRICE)).status).toBe('CONFIRMED');
    expect(await ledger(t, vip)).toEqual([{ type: 'PAYMENT', status: 'SUCCESS', amount: VIP }]);
    expect(await ledger(t, plain)).toEqual([{ type: 'PAYMENT', status: 'SUCCESS', amount: SHOW_PRICE }]);
    if (provider === 'wallet') expect(await walletBalance(t, fan.id)).toBe(INITIAL - VIP - SHOW_PRICE);

    // Zones gone before the refund: each ticket still returns what it was sold for.
    await zones.replace(show.optionId, []);
    for (const [id, amount] of [
      [vip, VIP],
      [plain, SHOW_PRICE],
    ]) {
      expect(await t.get(RefundService).refundByUser(fan.principal, id)).toMatchObject({
        status: 'REFUNDED',
        amount,
      });
      expect((await ledger(t, id)).filter((r) => r.type === 'REFUND')).toEqual([
        { type: 'REFUND', status: 'SUCCESS', amount },
      ]);
      expect(await netPaid(t, id)).toBe(0);
    }
    if (provider === 'wallet') expect(await walletBalance(t, fan.id)).toBe(INITIAL);
  });
});
