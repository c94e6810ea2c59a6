import { DomainError } from '../../src/common/errors/domain-error';
import { CancellationModule } from '../../src/modules/cancellation/cancellation.module';
import { CancellationService } from '../../src/modules/cancellation/cancellation.service';
import { CancellationWorker } from '../../src/modules/cancellation/cancellation-worker';
import { CatalogService } from '../../src/modules/catalog/catalog.service';
import { RefundService } from '../../src/modules/refund/refund.service';
import { OrderCreateService } from '../../src/modules/reservation/orders/order-create.service';
import { OrderTransitions } from '../../src/modules/reservation/orders/order-transitions.service';
import { OrderRefundService } from '../../src/modules/refund/order-refund.service';
import { ConfirmService } from '../../src/modules/checkout/confirm.service';
import { moneyAndSeatProblems } from '../../support/invariants';
import { insertLedgerRow, netPaid, reservationStatus, seatStatus } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';
import { TestGateway } from '../support/test-gateway';
import { TEST_REDIS_URL } from '../support/test-env';
import { until } from '../support/wait';

const PRICE = 40_000;

/**
 * Show cancellation on the real PostgreSQL (and Redis for the shared pace): what the creating transaction
 * does at once, the refunds the worker makes afterwards (each once, audited with the admin and the reason),
 * refusals left FAILED and retried, and two instances working one run.
 */
describe('show cancellation (cancellation module on PostgreSQL and Redis)', () => {
  const gateway = new TestGateway();
  let t: ModuleContext;
  let admin: Fan;
  const cancellations = () => t.get(CancellationService);

  beforeAll(async () => {
    t = await startModules([CancellationModule], {
      env: { MAX_ACTIVE_HOLDS_PER_USER: '0', REDIS_URL: TEST_REDIS_URL, MASS_REFUND_PER_SECOND: '1000' },
      gateway,
    });
    admin = await t.newUser('ADMIN');
  });
  afterAll(() => t.close());
  beforeEach(() => gateway.reset());

  /** A show with `paid` CONFIRMED tickets (two fans), one HOLD and one PAYING; its other seats free. */
  async function showWithFans(paid: number) {
    const show = await t.newShow({ seats: paid + 4, price: PRICE });
    const fans = [await t.newUser(), await t.newUser()];
    const tickets: number[] = [];
    for (let i = 0; i < paid; i++) tickets.push(await t.confirmedTicket(fans[i % 2], show.seatIds[i]));
    const hold = (await t.hold(fans[0], show.seatIds[paid])).id;
    const paying = await t.toPaying(fans[1], show.seatIds[paid + 1]);
    return { show, fans, tickets, hold, paying, freeSeat: show.seatIds[paid + 2] };
  }

  const cancel = (optionId: number, dryRun = false) =>
    cancellations().cancel(admin.principal, optionId, 'Storm: the venue is closed', dryRun);

  async function finished(runId: number) {
    await until(
      async () => (await cancellations().run(runId)).status !== 'RUNNING',
      20_000,
      `run ${runId} to end`,
    );
    return cancellations().run(runId);
  }

  async function refusal(promise: Promise<unknown>): Promise<string> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    return err instanceof DomainError ? err.code : `no DomainError: ${String(err)}`;
  }

  it('a dry run answers the totals and changes nothing', async () => {
    const { show, tickets, hold } = await showWithFans(3);
    const answer = await cancel(show.optionId, true);
    expect(answer).toEqual({
      dryRun: true,
      summary: {
        optionId: show.optionId,
        dryRun: true,
        paidOrders: 3,
        paidSeats: 3,
        refundTotalAmount: 3 * PRICE,
        unpaidOrders: 2,
      },
    });
    expect(await reservationStatus(t, tickets[0])).toBe('CONFIRMED');
    expect(await reservationStatus(t, hold)).toBe('HOLD');
    const [option] = await t.get(CatalogService).listOptions(show.concertId);
    expect(option.saleStatus).not.toBe('CANCELLED');
  });

  it('cancels at once in one transaction, then refunds every paid ticket once, audited with the admin and reason', async () => {
    const { show, fans, tickets, hold, paying, freeSeat } = await showWithFans(4);
    const other = await t.newShow({ seats: 2, price: PRICE });
    const twoSeats = await t.get(OrderCreateService).create(fans[1].principal, {
      optionId: show.optionId,
      seatIds: [freeSeat, show.seatIds[7]],
    });
    const answer = await cancel(show.optionId);
    if (!('created' in answer)) throw new Error('expected a run');
    expect(answer.created).toBe(true);
    expect(answer.run).toMatchObject({
      optionId: show.optionId,
      concertId: show.concertId,
      reason: 'Storm: the venue is closed',
      actorUserId: admin.id,
    });
    expect(answer.run.totals.orders).toBe(4);
    // At once: unpaid cancelled with their seats released, the show no longer sells, the other show does.
    expect(await reservationStatus(t, hold)).toBe('CANCELLED');
    expect(await reservationStatus(t, paying)).toBe('CANCELLED');
    expect(await seatStatus(t, show.seatIds[4])).toBe('AVAILABLE');
    expect(await seatStatus(t, freeSeat)).toBe('AVAILABLE');
    const orderEvents = async (orderId: number) =>
      (
        (await t.dataSource.query(
          `SELECT payload->>'status' AS status, payload->>'reason' AS reason FROM outbox_events
            WHERE event_type = 'ORDER_STATUS' AND (payload->>'orderId')::int = $1 ORDER BY id`,
          [orderId],
        )) as { status: string; reason: string | null }[]
      ).at(-1);
    expect(await orderEvents(twoSeats.id)).toEqual({ status: 'CANCELLED', reason: 'SHOW_CANCELLED' });
    expect((await t.get(CatalogService).listOptions(show.concertId))[0].saleStatus).toBe('CANCELLED');
    expect(await refusal(t.hold(fans[0], freeSeat))).toBe('SHOW_CANCELLED');
    expect((await t.hold(fans[0], other.seatIds[0])).status).toBe('HOLD');
    const [shown] = await t.dataSource.query(
      `SELECT payload FROM outbox_events WHERE event_type = 'SHOW_CANCELLED' AND option_id = $1`,
      [show.optionId],
    );
    expect(shown.payload).toMatchObject({ id: answer.run.id, optionId: show.optionId, status: 'RUNNING' });

    const run = await finished(answer.run.id);
    expect(run).toMatchObject({ status: 'DONE', totals: { orders: 4, refunded: 4, failed: 0, pending: 0 } });
    expect(run.totals.refundedAmount).toBe(4 * PRICE);
    expect(run.finishedAt).not.toBeNull();
    for (const id of tickets) {
      expect(await reservationStatus(t, id)).toBe('REFUNDED');
      expect(await netPaid(t, id)).toBe(0);
    }
    expect(gateway.refundCalls).toBe(4);
    // Each paid order is an order of one here (v7 tickets); its fan hears REFUNDED, with the reason.
    const paidOrderIds = (await t.dataSource.query(
      `SELECT order_id FROM reservations WHERE id = ANY($1) ORDER BY id`,
      [tickets],
    )) as { order_id: number }[];
    for (const { order_id } of paidOrderIds)
      expect(await orderEvents(order_id)).toEqual({ status: 'REFUNDED', reason: 'SHOW_CANCELLED' });
    const audit = await t.dataSource.query(
      `SELECT reservation_id, actor_user_id, result, reason FROM admin_refund_audit_logs
        WHERE reservation_id = ANY($1) ORDER BY reservation_id`,
      [tickets],
    );
    expect(audit).toEqual(
      tickets.map((id) => ({
        reservation_id: id,
        actor_user_id: admin.id,
        result: 'SUCCESS',
        reason: 'Storm: the venue is closed',
      })),
    );
    const rows = await cancellations().orderRows(run.id, 'REFUNDED');
    expect(rows.map((r) => r.orderId)).toEqual(paidOrderIds.map((o) => o.order_id));
    expect(rows.every((r) => r.attempts === 1 && r.refundedAt !== null && r.lastError === null)).toBe(true);
    const [progress] = await t.dataSource.query(
      `SELECT payload FROM outbox_events WHERE event_type = 'CANCELLATION_PROGRESS' AND option_id = $1
        ORDER BY id DESC LIMIT 1`,
      [show.optionId],
    );
    expect(progress.payload).toMatchObject({ runId: run.id, status: 'DONE', totals: { refunded: 4 } });
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });

  it('cancelling again, or twice at once, makes one run: one call creates it, the others get it', async () => {
    const { show } = await showWithFans(1);
    const answers = await Promise.all([cancel(show.optionId), cancel(show.optionId), cancel(show.optionId)]);
    const created = answers.filter((a) => 'created' in a && a.created);
    expect(created).toHaveLength(1);
    const runIds = new Set(answers.map((a) => ('run' in a ? a.run.id : undefined)));
    expect(runIds.size).toBe(1);
    const again = await cancel(show.optionId);
    expect(again).toMatchObject({ created: false, run: { id: [...runIds][0] } });
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM cancellation_runs WHERE option_id = $1`,
      [show.optionId],
    );
    expect(n).toBe(1);
  });

  it('a hold that raced the cancellation (it read the show as on sale) is cancelled by the worker, its seat released', async () => {
    const show = await t.newShow({ seats: 3 });
    const fan = await t.newUser();
    const answer = await cancel(show.optionId);
    if (!('run' in answer)) throw new Error('expected a run');
    // What a hold statement whose snapshot predates the cancellation's commit leaves behind: the show
    // reads as on sale to it, and its HOLD lands after the cancellation swept the unpaid orders.
    const [{ cancelledAt }] = await t.dataSource.query(
      `SELECT cancelled_at AS "cancelledAt" FROM concert_options WHERE id = $1`,
      [show.optionId],
    );
    expect(cancelledAt).not.toBeNull();
    await t.dataSource.query(`UPDATE concert_options SET cancelled_at = NULL WHERE id = $1`, [show.optionId]);
    const late = await t.hold(fan, show.seatIds[0]);
    await t.dataSource.query(`UPDATE concert_options SET cancelled_at = $2 WHERE id = $1`, [
      show.optionId,
      cancelledAt,
    ]);
    expect(await reservationStatus(t, late.id)).toBe('HOLD');
    await t.get(CancellationWorker).runOnce();
    expect(await reservationStatus(t, late.id)).toBe('CANCELLED');
    expect(await seatStatus(t, show.seatIds[0])).toBe('AVAILABLE');
    const [order] = await t.dataSource.query(
      `SELECT o.status, o.cancel_reason FROM orders o JOIN reservations r ON r.order_id = o.id WHERE r.id = $1`,
      [late.id],
    );
    expect(order).toEqual({ status: 'CANCELLED', cancel_reason: 'SHOW_CANCELLED' });
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });

  it('refunds tickets whose ids run to seven digits (each audit note keyed within its column)', async () => {
    await t.dataSource.query(
      `SELECT setval('reservations_id_seq', greatest(1000000, last_value)) FROM reservations_id_seq`,
    );
    const { show, tickets } = await showWithFans(2);
    expect(Math.min(...tickets)).toBeGreaterThanOrEqual(1_000_000);
    const answer = await cancel(show.optionId);
    if (!('run' in answer)) throw new Error('expected a run');
    expect(await finished(answer.run.id)).toMatchObject({
      status: 'DONE',
      totals: { refunded: 2, failed: 0 },
    });
    for (const id of tickets) expect(await reservationStatus(t, id)).toBe('REFUNDED');
    const audited = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM admin_refund_audit_logs WHERE reservation_id = ANY($1) AND result = 'SUCCESS'`,
      [tickets],
    );
    expect(audited[0].n).toBe(2);
  });

  it('a show with nothing paid ends DONE at once', async () => {
    const show = await t.newShow({ seats: 2 });
    const answer = await cancel(show.optionId);
    if (!('run' in answer)) throw new Error('expected a run');
    expect(await finished(answer.run.id)).toMatchObject({ status: 'DONE', totals: { orders: 0 } });
  });

  it('refunds the gateway refuses stay FAILED with the error and move no money; retry takes up those rows only', async () => {
    const { show, tickets } = await showWithFans(3);
    gateway.refundBehaviour = 'unreachable';
    const answer = await cancel(show.optionId);
    if (!('run' in answer)) throw new Error('expected a run');
    const run = await finished(answer.run.id);
    expect(run).toMatchObject({ status: 'DONE_WITH_FAILURES', totals: { failed: 3, refunded: 0 } });
    const failed = await cancellations().orderRows(run.id, 'FAILED');
    expect(failed).toHaveLength(3);
    expect(failed[0].lastError).toMatch(/PAYMENT_GATEWAY_ERROR/);
    for (const id of tickets) expect(await netPaid(t, id)).toBe(PRICE);

    gateway.refundBehaviour = 'ok';
    const calls = gateway.refundCalls;
    expect((await cancellations().retry(run.id)).status).toBe('RUNNING');
    const after = await finished(run.id);
    expect(after).toMatchObject({ status: 'DONE', totals: { refunded: 3, failed: 0 } });
    expect(gateway.refundCalls - calls).toBe(3);
    expect((await cancellations().orderRows(run.id, undefined)).map((r) => r.attempts)).toEqual([2, 2, 2]);
    for (const id of tickets) expect(await netPaid(t, id)).toBe(0);
  });

  it('an order a batch cannot refund (nothing paid) fails alone; the others are refunded; a retry takes it up', async () => {
    const { show, tickets } = await showWithFans(3);
    // Break one order as no code path of the service does: its captured payment gone.
    const [{ orderId }] = await t.dataSource.query(
      `SELECT order_id AS "orderId" FROM reservations WHERE id = $1`,
      [tickets[1]],
    );
    const [payment] = await t.dataSource.query(
      `WITH gone AS (DELETE FROM payment_transactions WHERE order_id = $1 AND type = 'PAYMENT' RETURNING *)
       SELECT row_to_json(gone) AS row FROM gone`,
      [orderId],
    );
    const answer = await cancel(show.optionId);
    if (!('run' in answer)) throw new Error('expected a run');
    expect(await finished(answer.run.id)).toMatchObject({
      status: 'DONE_WITH_FAILURES',
      totals: { orders: 3, refunded: 2, failed: 1 },
    });
    expect(await cancellations().orderRows(answer.run.id, 'FAILED')).toEqual([
      expect.objectContaining({ orderId, lastError: expect.stringContaining('REFUND_NOT_ALLOWED') }),
    ]);
    expect(gateway.refundCalls).toBe(2);
    // Support puts the payment back; the retry refunds that order, and only that one.
    await t.dataSource.query(
      `INSERT INTO payment_transactions SELECT * FROM json_populate_record(null::payment_transactions, $1)`,
      [payment.row],
    );
    await cancellations().retry(answer.run.id);
    expect(await finished(answer.run.id)).toMatchObject({
      status: 'DONE',
      totals: { refunded: 3, failed: 0 },
    });
    expect(gateway.refundCalls).toBe(3);
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });

  it('a retry while the run is going, and a fan refunding the same ticket meanwhile, refund each ticket once', async () => {
    const { show, fans, tickets } = await showWithFans(6);
    // Slow refunds: the run is still going while the retries and the fan's own refund arrive.
    gateway.beforeRefundAnswer = () => new Promise((r) => setTimeout(r, 30));
    const answer = await cancel(show.optionId);
    if (!('run' in answer)) throw new Error('expected a run');
    const fanRefund = t
      .get(RefundService)
      .refundByUser(fans[0].principal, tickets[0])
      .catch((e: unknown) => e);
    await Promise.all([
      cancellations().retry(answer.run.id),
      cancellations().retry(answer.run.id),
      fanRefund,
    ]);
    const run = await finished(answer.run.id);
    expect(run.totals).toMatchObject({ orders: 6, refunded: 6, failed: 0 });
    const refunds = await t.dataSource.query(
      `SELECT reservation_id, count(*)::int AS n FROM payment_transactions
        WHERE type = 'REFUND' AND status = 'SUCCESS' AND reservation_id = ANY($1) GROUP BY reservation_id`,
      [tickets],
    );
    expect(refunds).toHaveLength(6);
    expect(refunds.every((r: { n: number }) => r.n === 1)).toBe(true);
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });

  it('two instances working one run refund every ticket exactly once, and a dead lease is taken over', async () => {
    const second = await startModules([CancellationModule], {
      env: { MAX_ACTIVE_HOLDS_PER_USER: '0', REDIS_URL: TEST_REDIS_URL, MASS_REFUND_PER_SECOND: '1000' },
      gateway,
      reset: false,
    });
    try {
      const { show, tickets } = await showWithFans(12);
      gateway.beforeRefundAnswer = () => new Promise((r) => setTimeout(r, 10));
      const answer = await cancel(show.optionId);
      if (!('run' in answer)) throw new Error('expected a run');
      await Promise.all([t.get(CancellationWorker).runOnce(), second.get(CancellationWorker).runOnce()]);
      const run = await finished(answer.run.id);
      expect(run.totals).toMatchObject({ orders: 12, refunded: 12 });
      expect(gateway.refundCalls).toBe(12);
      for (const id of tickets) expect(await netPaid(t, id)).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('a refund a dead instance began (PENDING for longer than a lease) is finished with its own row, once', async () => {
    const { show, fans, tickets } = await showWithFans(2);
    // As a killed instance leaves it: the PENDING refund of the first ticket, begun 30 s ago (inside the
    // reconciler's 60 s grace, so only the run can finish it now).
    const abandoned = await insertLedgerRow(t, {
      userId: fans[0].id,
      reservationId: tickets[0],
      type: 'REFUND',
      status: 'PENDING',
      amount: PRICE,
      provider: 'mock',
      ageSeconds: 30,
    });
    const answer = await cancel(show.optionId);
    if (!('run' in answer)) throw new Error('expected a run');
    expect(await finished(answer.run.id)).toMatchObject({ status: 'DONE', totals: { refunded: 2 } });
    const refunds = await t.dataSource.query(
      `SELECT id, status FROM payment_transactions WHERE type = 'REFUND' AND reservation_id = $1`,
      [tickets[0]],
    );
    expect(refunds).toEqual([{ id: abandoned, status: 'SUCCESS' }]);
    expect(gateway.refundCalls).toBe(2);
    expect(await moneyAndSeatProblems(t.dataSource)).toEqual([]);
  });

  it('rows leased by an instance that died are taken over once the lease has run out', async () => {
    const { show, tickets } = await showWithFans(2);
    // Freeze the workers out: a dead instance's lease, still live, on every row of a run made by hand.
    await t.dataSource.query(`UPDATE concert_options SET cancelled_at = now() WHERE id = $1`, [
      show.optionId,
    ]);
    const [{ id: runId }] = await t.dataSource.query(
      `INSERT INTO cancellation_runs (option_id, concert_id, reason, actor_user_id, created_at)
       VALUES ($1, $2, 'dead instance', $3, now()) RETURNING id`,
      [show.optionId, show.concertId, admin.id],
    );
    await t.dataSource.query(
      `INSERT INTO cancellation_run_orders (run_id, order_id, user_id, amount, seats, claimed_by, claimed_until, attempts)
       SELECT $1, order_id, user_id, amount, 1, 'dead:1', now() + interval '1 hour', 1 FROM reservations WHERE id = ANY($2)`,
      [runId, tickets],
    );
    await t.get(CancellationWorker).runOnce();
    expect((await cancellations().run(runId)).totals.pending).toBe(2); // the lease is still live
    await t.dataSource.query(
      `UPDATE cancellation_run_orders SET claimed_until = now() - interval '1 second' WHERE run_id = $1`,
      [runId],
    );
    await t.get(CancellationWorker).runOnce();
    expect(await finished(runId)).toMatchObject({ status: 'DONE', totals: { refunded: 2 } });
    expect(gateway.refundCalls).toBe(2);
  });

  // Last of the shared-database tests: support/invariants.ts checks money per reservation, which the
  // order-wide payments written here do not fit (the money rule per order is checked in the test).
  it('orders of several seats: every CONFIRMED item refunded once, one audit row each; an item its fan refunded is left alone', async () => {
    const show = await t.newShow({ seats: 6, price: PRICE });
    const fan = await t.newUser();
    const create = (seatIds: number[]) =>
      t.get(OrderCreateService).create(fan.principal, { optionId: show.optionId, seatIds });
    const three = await create(show.seatIds.slice(0, 3));
    const two = await create(show.seatIds.slice(3, 5));
    for (const order of [three, two]) {
      await t.get(OrderTransitions).paying(fan.principal, order.id);
      await t.get(ConfirmService).confirmOrder(fan.principal, order.id, {});
    }
    const ownRefund = two.items[0].reservationId;
    await t.get(OrderRefundService).refundByUser(fan.principal, two.id, [ownRefund]);
    const dry = await cancel(show.optionId, true);
    expect(dry).toMatchObject({ summary: { paidOrders: 2, paidSeats: 4, refundTotalAmount: 4 * PRICE } });

    const answer = await cancel(show.optionId);
    if (!('run' in answer)) throw new Error('expected a run');
    const run = await finished(answer.run.id);
    expect(run).toMatchObject({
      status: 'DONE',
      totals: { orders: 2, refunded: 2, refundedAmount: 4 * PRICE },
    });
    const refunds: { reservation_id: number; n: number }[] = await t.dataSource.query(
      `SELECT reservation_id, count(*)::int AS n FROM payment_transactions
        WHERE type = 'REFUND' AND status = 'SUCCESS' AND order_id = ANY($1) GROUP BY reservation_id ORDER BY 1`,
      [[three.id, two.id]],
    );
    expect(refunds.map((r) => r.n)).toEqual([1, 1, 1, 1, 1]);
    const audit: { reservation_id: number }[] = await t.dataSource.query(
      `SELECT reservation_id FROM admin_refund_audit_logs WHERE reason = 'Storm: the venue is closed'
          AND result = 'SUCCESS' AND reservation_id = ANY($1) ORDER BY 1`,
      [[...three.items, ...two.items].map((i) => i.reservationId)],
    );
    expect(audit).toHaveLength(4);
    expect(audit.map((a) => a.reservation_id)).not.toContain(ownRefund);
    const [last] = await t.dataSource.query(
      `SELECT payload->>'status' AS status, payload->>'reason' AS reason FROM outbox_events
        WHERE event_type = 'ORDER_STATUS' AND (payload->>'orderId')::int = $1 ORDER BY id DESC LIMIT 1`,
      [three.id],
    );
    expect(last).toEqual({ status: 'REFUNDED', reason: 'SHOW_CANCELLED' });
    // The contract's money rule per order (support/invariants.ts still checks it per reservation, which an
    // order-wide payment does not fit): payments − refunds = the CONFIRMED items' amounts = 0 here.
    const net: { net: number }[] = await t.dataSource.query(
      `SELECT sum(CASE WHEN type = 'PAYMENT' THEN amount ELSE -amount END)::int AS net
         FROM payment_transactions WHERE status = 'SUCCESS' AND order_id = ANY($1) GROUP BY order_id`,
      [[three.id, two.id]],
    );
    expect(net).toEqual([{ net: 0 }, { net: 0 }]);
  });

  describe('at the configured pace (MASS_REFUND_PER_SECOND=8)', () => {
    let slow: ModuleContext;
    beforeAll(async () => {
      slow = await startModules([CancellationModule], {
        env: { MAX_ACTIVE_HOLDS_PER_USER: '0', MASS_REFUND_PER_SECOND: '8' },
        gateway,
        reset: false,
      });
    });
    afterAll(() => slow.close());

    it('refunds no faster than the pace, and pushes CANCELLATION_PROGRESS at most once a second plus once at the end', async () => {
      // Only this context's worker runs the run: the main one is stopped for the test.
      await t.get(CancellationWorker).onApplicationShutdown();
      const show = await slow.newShow({ seats: 20, price: PRICE });
      const fan = await slow.newUser();
      for (const seatId of show.seatIds) await slow.confirmedTicket(fan, seatId);
      const calls: number[] = [];
      gateway.beforeRefundAnswer = async () => void calls.push(Date.now());
      const answer = await slow
        .get(CancellationService)
        .cancel(admin.principal, show.optionId, 'pace', false);
      if (!('run' in answer)) throw new Error('expected a run');
      const started = Date.now();
      await until(
        async () => (await slow.get(CancellationService).run(answer.run.id)).status === 'DONE',
        30_000,
        'the paced run to end',
      );
      // 20 calls at 8 a second: the first 8 at once, the last no earlier than 2 s later, and never a ninth
      // within a second of the first of eight (less the few ms a granted call may take to reach the gateway).
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(calls).toHaveLength(20);
      for (let i = 8; i < calls.length; i++) expect(calls[i] - calls[i - 8]).toBeGreaterThanOrEqual(950);
      const pushes: { created_at: Date; status: string }[] = await slow.dataSource.query(
        `SELECT created_at, payload->>'status' AS status FROM outbox_events
          WHERE event_type = 'CANCELLATION_PROGRESS' AND option_id = $1 ORDER BY id`,
        [show.optionId],
      );
      const running = pushes.filter((p) => p.status === 'RUNNING');
      expect(running.length).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < running.length; i++) {
        expect(running[i].created_at.getTime() - running[i - 1].created_at.getTime()).toBeGreaterThanOrEqual(
          1000,
        );
      }
      expect(pushes.filter((p) => p.status === 'DONE')).toHaveLength(1);
      expect(pushes[pushes.length - 1].status).toBe('DONE');
    }, 40_000);
  });
});
