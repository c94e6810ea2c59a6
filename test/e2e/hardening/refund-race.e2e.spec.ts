import { checkout } from '../../support/checkout';
import { ledger } from '../../support/fixtures';
import { moneyAndSeatProblems } from '../../../support/invariants';
import { TestGateway } from '../../support/test-gateway';
import { startWorld, World } from '../../support/world';

/** Hardening 5: a fan racing their own refund got 409s. The racers wait for the one refund and see it. */
describe('hardening 5: ten parallel refunds of one ticket', () => {
  const gateway = new TestGateway();
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ gateway, concertDate: new Date(Date.now() + 30 * 24 * 3600_000) });
  });
  afterAll(() => w.close());

  it('all answer 200 REFUNDED, with one REFUND row', async () => {
    const { id } = await w.confirmedTicket();
    // A slow PG keeps the first refund between its steps while the others arrive.
    gateway.beforeRefundAnswer = () => new Promise((resolve) => setTimeout(resolve, 300));
    const c = checkout(w.t, w.user);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? c.refund(id) : c.cancel(id))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.every((a) => a.body.status === 'REFUNDED')).toBe(true);
    const rows = (await ledger(w.t, id)).filter((r) => r.type === 'REFUND');
    expect(rows.map((r) => r.status)).toEqual(['SUCCESS']);
    expect(gateway.refundCalls).toBe(1);
    expect(await moneyAndSeatProblems(w.t.dataSource)).toEqual([]);
  });
});
