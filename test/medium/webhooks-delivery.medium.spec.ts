import { Webhook } from 'standardwebhooks';
import { WebhookReceiver } from '../../support/webhook-receiver';
import { WebhookDispatcher } from '../../src/modules/webhooks/webhook-dispatcher';
import { WebhookDeliveriesService } from '../../src/modules/webhooks/webhook-deliveries.service';
import { WebhookEndpointsService } from '../../src/modules/webhooks/webhook-endpoints.service';
import { WebhookFanOut } from '../../src/modules/webhooks/webhook-fan-out';
import { WebhookMaintenance } from '../../src/modules/webhooks/webhook-maintenance';
import { WebhooksModule } from '../../src/modules/webhooks/webhooks.module';
import { Metrics } from '../../src/infra/metrics/metrics.service';
import { ModuleContext, startModules } from '../support/module-harness';
import { until } from '../support/wait';

const ENV = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_RETRY_SCHEDULE: '5,300',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_CONCURRENCY_PER_ENDPOINT: '2',
};

let ctx: ModuleContext;
let receiver: WebhookReceiver;
let orderIds = 1000;

/** An order status change as the orders module commits it: its ORDER_STATUS outbox row, in a transaction. */
async function orderEvent(
  status: string,
  opts: { rollback?: boolean; orderId?: number } = {},
): Promise<number> {
  const orderId = opts.orderId ?? ++orderIds;
  const payload = {
    orderId,
    userId: 7,
    optionId: 3,
    status,
    totalAmount: 100000,
    refundedAmount: status === 'REFUNDED' ? 100000 : 0,
    holdExpiresAt: '2026-12-07T10:00:00.000Z',
    reason: null,
    items: [{ reservationId: orderId * 10, seatId: 5, status }],
    occurredAt: new Date().toISOString(),
  };
  const runner = ctx.dataSource.createQueryRunner();
  await runner.startTransaction();
  await runner.query(
    `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload)
     VALUES ('ORDER_STATUS', $1, 7, 3, $2)`,
    [`order:${orderId}`, payload],
  );
  if (opts.rollback) await runner.rollbackTransaction();
  else await runner.commitTransaction();
  await runner.release();
  return orderId;
}

async function endpoint(path: string, events = ['ORDER_CONFIRMED']) {
  const created = await ctx.get(WebhookEndpointsService).create({ url: receiver.url(path), events });
  receiver.verifyWith(path, created.secret);
  return created;
}

const log = (id: number) => ctx.get(WebhookDeliveriesService).log(id, undefined, 50);
const received = (path: string, n: number, ms = 3000) =>
  until(async () => receiver.on(path).length >= n, ms, `${n} message(s) at ${path}`);

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  ctx = await startModules([WebhooksModule.register()], { env: ENV });
});

afterAll(async () => {
  await ctx?.close();
  await receiver?.close();
});

afterEach(async () => {
  await ctx.dataSource.query(`DELETE FROM webhook_endpoints`);
  await ctx.dataSource.query(`UPDATE outbox_events SET fanned_out_at = now() WHERE fanned_out_at IS NULL`);
  ctx.clock.reset();
});

describe('outbound webhooks: from the outbox to the seller', () => {
  it('a committed change reaches each subscribed endpoint once, signed, within 2 s; a rolled-back one sends nothing', async () => {
    const a = await endpoint('/commit-a');
    await endpoint('/commit-b', ['ORDER_CONFIRMED', 'ORDER_REFUNDED']);
    await endpoint('/commit-c', ['ORDER_EXPIRED']);
    await orderEvent('CONFIRMED', { rollback: true });
    await orderEvent('HOLD'); // not news to a seller
    const committedAt = Date.now();
    const orderId = await orderEvent('CONFIRMED');
    await received('/commit-a', 1, 2000);
    await received('/commit-b', 1, 2000);
    expect(receiver.on('/commit-a')[0].at - committedAt).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 400)); // anything more would have come by now
    for (const path of ['/commit-a', '/commit-b']) {
      const [message] = receiver.on(path);
      expect(receiver.on(path)).toHaveLength(1);
      expect(message.verified).toEqual([true]);
      expect(message.id).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(JSON.parse(message.body)).toMatchObject({
        type: 'ORDER_CONFIRMED',
        data: { id: orderId, status: 'CONFIRMED', totalAmount: 100000 },
      });
    }
    expect(receiver.on('/commit-a')[0].id).not.toBe(receiver.on('/commit-b')[0].id);
    expect(receiver.on('/commit-c')).toHaveLength(0);
    expect(await log(a.id)).toEqual([
      expect.objectContaining({
        eventType: 'ORDER_CONFIRMED',
        status: 'SUCCEEDED',
        attempts: 1,
        lastResponseStatus: 200,
      }),
    ]);
  });

  it('each order status maps to its type: a partial refund is ORDER_REFUNDED too', async () => {
    await endpoint('/types', ['ORDER_CONFIRMED', 'ORDER_REFUNDED', 'ORDER_CANCELLED', 'ORDER_EXPIRED']);
    for (const status of ['PARTIALLY_REFUNDED', 'REFUNDED', 'CANCELLED', 'EXPIRED', 'PAYING']) {
      await orderEvent(status);
    }
    await received('/types', 4);
    await new Promise((r) => setTimeout(r, 300));
    const types = receiver.on('/types').map((m) => (JSON.parse(m.body) as { type: string }).type);
    expect(types.sort()).toEqual(['ORDER_CANCELLED', 'ORDER_EXPIRED', 'ORDER_REFUNDED', 'ORDER_REFUNDED']);
  });

  it('a failure is retried after the schedule with the same webhook-id; the log shows each attempt', async () => {
    const ep = await endpoint('/retry');
    receiver.reply('/retry', (n) => (n === 1 ? { status: 500, body: 'x'.repeat(5000) } : { status: 204 }));
    await orderEvent('CONFIRMED');
    await received('/retry', 1);
    await until(async () => (await log(ep.id))[0]?.status === 'RETRYING', 2000, 'RETRYING');
    const [retrying] = await log(ep.id);
    expect(retrying).toMatchObject({ attempts: 1, lastResponseStatus: 500 });
    expect(Buffer.byteLength(retrying.lastResponseExcerpt!)).toBe(1024);
    const wait = new Date(retrying.nextAttemptAt!).getTime() - ctx.clock.now().getTime();
    expect(wait).toBeGreaterThan(3500);
    expect(wait).toBeLessThanOrEqual(5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.on('/retry')).toHaveLength(1); // not before its time
    ctx.clock.advance(5000);
    await received('/retry', 2);
    const [first, second] = receiver.on('/retry');
    expect(second.id).toBe(first.id);
    expect(second.verified).toEqual([true]);
    await until(async () => (await log(ep.id))[0]?.status === 'SUCCEEDED', 2000, 'SUCCEEDED');
    expect((await log(ep.id))[0]).toMatchObject({
      attempts: 2,
      lastResponseStatus: 204,
      nextAttemptAt: null,
    });
  });

  it('honours Retry-After on 429, and fails the message once the schedule is spent', async () => {
    const ep = await endpoint('/busy');
    receiver.reply('/busy', (n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 500 },
    );
    await orderEvent('CONFIRMED');
    await until(async () => (await log(ep.id))[0]?.status === 'RETRYING', 3000, 'RETRYING');
    const wait = new Date((await log(ep.id))[0].nextAttemptAt!).getTime() - ctx.clock.now().getTime();
    expect(wait).toBeGreaterThan(115_000);
    ctx.clock.advance(120_000);
    // Second failure: the schedule's second entry, 300 s.
    await until(
      async () => (await log(ep.id))[0]?.attempts === 2 && (await log(ep.id))[0]?.status === 'RETRYING',
      3000,
      'attempt 2 recorded',
    );
    ctx.clock.advance(300_000);
    await received('/busy', 3);
    await until(async () => (await log(ep.id))[0]?.status === 'FAILED', 2000, 'FAILED');
    expect((await log(ep.id))[0]).toMatchObject({
      attempts: 3,
      nextAttemptAt: null,
      lastResponseStatus: 500,
    });
  });

  it('410 disables the endpoint; its messages wait and go out when an admin enables it again', async () => {
    const ep = await endpoint('/gone');
    receiver.reply('/gone', (n) => ({ status: n === 1 ? 410 : 200 }));
    await orderEvent('CONFIRMED');
    await until(async () => (await log(ep.id))[0]?.status === 'FAILED', 3000, 'FAILED');
    const [listed] = await ctx.get(WebhookEndpointsService).list();
    expect(listed).toMatchObject({ enabled: false, disabledReason: 'GONE' });
    await orderEvent('CONFIRMED');
    await until(async () => (await log(ep.id)).length === 2, 2000, 'the second message');
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.on('/gone')).toHaveLength(1);
    await ctx.get(WebhookEndpointsService).update(ep.id, { enabled: true });
    await received('/gone', 2);
  });

  it('does not follow redirects (a failure), and enforces the timeout', async () => {
    const moved = await endpoint('/moved');
    receiver.reply('/moved', () => ({ status: 302, headers: { location: receiver.url('/elsewhere') } }));
    const slow = await endpoint('/slow');
    receiver.reply('/slow', () => ({ status: 200, delayMs: 3000 }));
    await orderEvent('CONFIRMED');
    await until(async () => (await log(moved.id))[0]?.status === 'RETRYING', 3000, 'redirect → RETRYING');
    expect((await log(moved.id))[0]).toMatchObject({ lastResponseStatus: 302 });
    expect(receiver.on('/elsewhere')).toHaveLength(0);
    await until(async () => (await log(slow.id))[0]?.status === 'RETRYING', 4000, 'timeout → RETRYING');
    const [timedOut] = await log(slow.id);
    expect(timedOut.lastError).toMatch(/timed out after 1000 ms/);
    expect(timedOut.lastDurationMs).toBeLessThan(1800);
  });

  it('a slow endpoint never delays another: separate queues, bounded concurrency per endpoint', async () => {
    await endpoint('/stuck');
    receiver.reply('/stuck', () => ({ status: 200, delayMs: 900 }));
    await endpoint('/quick');
    for (let i = 0; i < 6; i++) await orderEvent('CONFIRMED');
    await received('/quick', 6, 1500);
    expect(receiver.on('/stuck').length).toBeLessThanOrEqual(2);
    expect(receiver.maxInFlight.get('/stuck')).toBe(2); // WEBHOOK_CONCURRENCY_PER_ENDPOINT
    await received('/stuck', 6, 6000);
    expect(receiver.maxInFlight.get('/stuck')).toBe(2);
  });

  it('a dead endpoint never holds up the outbox relay that feeds the realtime push', async () => {
    await endpoint('/dead');
    receiver.reply('/dead', () => ({ status: 200, delayMs: 5000 })); // every attempt times out (1 s)
    // The dead endpoint's slots are taken first, so the relay below runs while its attempts hang.
    await orderEvent('CONFIRMED');
    await orderEvent('CONFIRMED');
    await received('/dead', 2, 3000);
    const committed = Date.now();
    for (let i = 0; i < 20; i++) await orderEvent('CONFIRMED');
    await until(
      async () =>
        (
          (await ctx.dataSource.query(
            `SELECT count(*)::int AS n FROM outbox_events WHERE event_type = 'ORDER_STATUS' AND published_at IS NULL`,
          )) as { n: number }[]
        )[0].n === 0,
      1000,
      'every ORDER_STATUS row published by the relay',
    );
    expect(Date.now() - committed).toBeLessThan(1500);
    expect(receiver.maxInFlight.get('/dead')).toBe(2); // its own slots, no more
  });

  it('after a rotation every delivery carries both signatures during the overlap, each verified by the package', async () => {
    const ep = await endpoint('/rotated');
    const { secret } = await ctx.get(WebhookEndpointsService).rotate(ep.id);
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(ep.secret);
    receiver.verifyWith('/rotated', ep.secret, secret);
    await orderEvent('CONFIRMED');
    await received('/rotated', 1);
    const [message] = receiver.on('/rotated');
    expect(message.signature.split(' ')).toHaveLength(2);
    expect(message.verified).toEqual([true, true]);
    const [{ until: overlapEnd }] = (await ctx.dataSource.query(
      `SELECT previous_secret_until AS until FROM webhook_endpoints WHERE id = $1`,
      [ep.id],
    )) as { until: Date }[];
    expect(Math.abs(overlapEnd.getTime() - ctx.clock.now().getTime() - 86_400_000)).toBeLessThan(5000);
    // Past the overlap (WEBHOOK_SECRET_OVERLAP_SECONDS, default 86400) only the new secret signs. The overlap
    // is moved, not the clock: the receiver's package refuses timestamps more than 5 minutes off.
    await ctx.dataSource.query(
      `UPDATE webhook_endpoints SET previous_secret_until = now() - interval '1 second' WHERE id = $1`,
      [ep.id],
    );
    await ctx.get(WebhookEndpointsService).sendTest(ep.id);
    await received('/rotated', 2);
    const later = receiver.on('/rotated')[1];
    expect(later.signature.split(' ')).toHaveLength(1);
    expect(later.verified).toEqual([false, true]);
    const headers = {
      'webhook-id': later.id,
      'webhook-timestamp': later.timestamp,
      'webhook-signature': later.signature,
    };
    expect(() => new Webhook(ep.secret).verify(later.body, headers)).toThrow();
  });

  it('replay sends the message again with the same webhook-id; a test event is delivered and logged', async () => {
    const ep = await endpoint('/replay');
    await orderEvent('CONFIRMED');
    await received('/replay', 1);
    const [{ messageId }] = await log(ep.id);
    await until(async () => (await log(ep.id))[0].status === 'SUCCEEDED', 2000, 'SUCCEEDED');
    await ctx.get(WebhookDeliveriesService).replay(messageId);
    await received('/replay', 2);
    expect(receiver.on('/replay').map((m) => m.id)).toEqual([messageId, messageId]);
    const test = await ctx.get(WebhookEndpointsService).sendTest(ep.id);
    await received('/replay', 3);
    expect(JSON.parse(receiver.on('/replay')[2].body)).toMatchObject({ type: 'WEBHOOK_TEST' });
    expect(receiver.on('/replay')[2].id).toBe(test.messageId);
    await expect(ctx.get(WebhookDeliveriesService).replay(`msg_${'0'.repeat(32)}`)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('never attempts one message from two instances: each message arrives once', async () => {
    const other = await startModules([WebhooksModule.register()], { env: ENV, reset: false });
    try {
      await endpoint('/two-instances');
      receiver.reply('/two-instances', () => ({ status: 200, delayMs: 50 }));
      for (let i = 0; i < 20; i++) await orderEvent('CONFIRMED');
      await received('/two-instances', 20, 5000);
      await Promise.all([ctx.get(WebhookDispatcher).runOnce(), other.get(WebhookDispatcher).runOnce()]);
      await new Promise((r) => setTimeout(r, 300));
      const ids = receiver.on('/two-instances').map((m) => m.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    } finally {
      await other.close();
    }
  });

  it('stores the secret sealed, never in clear; lists show no secret', async () => {
    const ep = await endpoint('/sealed');
    const [row] = (await ctx.dataSource.query(`SELECT * FROM webhook_endpoints WHERE id = $1`, [
      ep.id,
    ])) as Record<string, unknown>[];
    expect(JSON.stringify(row)).not.toContain(ep.secret.slice('whsec_'.length));
    expect(row.secret_sealed).toMatch(/^v1\./);
    const listed = await ctx.get(WebhookEndpointsService).list();
    expect(JSON.stringify(listed)).not.toMatch(/whsec_|secret/);
  });

  it('prunes log rows past WEBHOOK_LOG_RETENTION_DAYS and reports queue depth and results as metrics', async () => {
    const ep = await endpoint('/metrics');
    receiver.reply('/metrics', () => ({ status: 500 }));
    await orderEvent('CONFIRMED');
    await orderEvent('CONFIRMED');
    await endpoint('/metrics-ok');
    await orderEvent('CONFIRMED');
    await until(
      async () => (await log(ep.id)).filter((m) => m.status === 'RETRYING').length === 3,
      3000,
      'three RETRYING',
    );
    await received('/metrics-ok', 1);
    await ctx.get(WebhookMaintenance).countQueues();
    const metrics = await ctx.get(Metrics).registry.metrics();
    expect(metrics).toContain(`checkout_outbound_webhook_queue_depth{endpoint="${ep.id}"} 3`);
    expect(metrics).toMatch(/checkout_outbound_webhook_deliveries_total\{result="retrying"\} [1-9]/);
    expect(metrics).toMatch(/checkout_outbound_webhook_latency_seconds_count [1-9]/);
    await ctx.dataSource.query(
      `UPDATE webhook_messages SET created_at = now() - interval '31 days'
        WHERE id = (SELECT min(id) FROM webhook_messages WHERE endpoint_id = $1)`,
      [ep.id],
    );
    expect(await ctx.get(WebhookMaintenance).prune()).toBe(1);
    expect(await log(ep.id)).toHaveLength(2);
  });

  it('fans an event out once even when two instances fan out at once', async () => {
    await endpoint('/once');
    await orderEvent('CONFIRMED');
    // Fan-outs race each other (and the background one); the relay may hold the row for a moment (SKIP LOCKED
    // passes over it), so run them until the row is marked, then count.
    const other = await startModules([WebhooksModule.register()], { env: ENV, reset: false });
    try {
      await until(
        async () => {
          await Promise.all([ctx.get(WebhookFanOut).runOnce(), other.get(WebhookFanOut).runOnce()]);
          const [row] = (await ctx.dataSource.query(
            `SELECT count(*)::int AS n FROM outbox_events WHERE event_type = 'ORDER_STATUS' AND fanned_out_at IS NULL`,
          )) as { n: number }[];
          return row.n === 0;
        },
        3000,
        'the event fanned out',
      );
    } finally {
      await other.close();
    }
    const [{ n }] = (await ctx.dataSource.query(
      `SELECT count(*)::int AS n FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
        WHERE e.url LIKE '%/once'`,
    )) as { n: number }[];
    expect(n).toBe(1);
  });
});
