import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster } from '../../support/cluster';
import { bearer, createAdmin, createOption } from '../../support/factories';
import { asFan, Fan, signUpFan } from '../../support/fans';
import { RawResponse } from '../../support/http';
import { moneyAndSeatProblems } from '../../../support/invariants';
import { connectSocket, openSse, Received, TestSocket, TestSse } from '../../../support/realtime-clients';
import { sendPgEvent } from '../../support/signed-webhook';
import { TestApp } from '../../support/test-app';
import { until } from '../../support/wait';

/**
 * A simulated on-sale through nginx while the three instances are restarted one at a time (SIGTERM: each
 * drains and comes back) and one is killed (SIGKILL). Fans join the waiting room, hold, pay through the
 * pg-ready provider and are settled by the PG's signed webhooks; each follows their tickets over socket.io
 * (reconciling with a GET on every reconnect, as the demo page does) and some over SSE (resuming with
 * Last-Event-ID). Afterwards nothing may be lost, doubled or left hanging, and every client must know what
 * the database knows. The 5xx that fans saw are counted; only the SIGKILL window may have any.
 */
const FANS = 14;
const SSE_FANS = 5;
const HOLD_TTL_SECONDS = 10;
const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts');

jest.setTimeout(240_000);

/** What one fan's client knows about their reservations: id → status. */
type View = Map<number, string>;

/** One answer a client got, with when: the 5xx are judged against the restart windows. */
interface Seen {
  at: number;
  status: number;
  what: string;
}

/**
 * A fan's socket.io client as the demo page keeps it: reconnects on its own, and on every (re)connect
 * reconciles with GET /me; a push newer than the GET's request wins over the GET's answer.
 */
class SocketFollower {
  readonly view: View = new Map();
  private pushedAt = new Map<number, number>();
  connects = 0;
  /** Why the socket went away, each time: the test's report. */
  readonly drops: string[] = [];

  constructor(
    readonly fan: Fan,
    readonly client: TestSocket,
    private readonly lb: TestApp,
  ) {
    client.socket.on('RESERVATION_STATUS', (data: Received['data']) => {
      this.view.set(data.reservationId as number, data.status as string);
      this.pushedAt.set(data.reservationId as number, Date.now());
    });
    void this.reconcile(); // the first connection, made before this follower existed
    client.socket.on('connect', () => void this.reconcile());
    client.socket.on('disconnect', (reason) => this.drops.push(reason));
    client.socket.on('connect_error', (err) => this.drops.push(`connect_error: ${err.message}`));
  }

  async reconcile(): Promise<void> {
    this.connects++;
    const askedAt = Date.now();
    const res = await asFan(this.lb, this.fan, 'GET', '/api/reservations/v7/me?limit=200').catch(
      () => undefined,
    );
    if (res?.status !== 200) return;
    for (const r of res.body as { id: number; status: string }[]) {
      if ((this.pushedAt.get(r.id) ?? 0) < askedAt) this.view.set(r.id, r.status);
    }
  }
}

/** A fan's SSE client as a browser's EventSource: reopens after any end, with the last id it saw. */
class SseFollower {
  readonly view: View = new Map();
  lastEventId?: string;
  reopens = 0;
  private current?: TestSse;
  private stopped = false;

  constructor(
    readonly fan: Fan,
    private readonly url: string,
  ) {}

  async run(): Promise<void> {
    while (!this.stopped) {
      const headers: Record<string, string> = this.lastEventId ? { 'Last-Event-ID': this.lastEventId } : {};
      const sse = await openSse(
        `${this.url}/api/reservations/v7/events?access_token=${this.fan.token}`,
        headers,
      ).catch(() => undefined);
      if (sse?.status === 200) {
        this.current = sse;
        await this.follow(sse);
      }
      this.reopens++;
      await sleep(300); // a browser's EventSource waits before it reconnects: the client modelled, not a test wait
    }
  }

  /** Applies events as they come, until the stream ends (its instance stopped) or the test stops it. */
  private async follow(sse: TestSse): Promise<void> {
    let applied = 0;
    while (!this.stopped) {
      for (const e of sse.inbox.events.slice(applied)) {
        if (e.type === 'RESERVATION_STATUS')
          this.view.set(e.data.reservationId as number, e.data.status as string);
        this.lastEventId = e.id ?? this.lastEventId;
      }
      applied = sse.inbox.events.length;
      if (sse.ended()) return;
      await sleep(50);
    }
  }

  stop(): void {
    this.stopped = true;
    this.current?.close();
  }
}

describe('a rolling restart during an on-sale, through nginx', () => {
  let cluster: Cluster;
  const seen: Seen[] = [];
  const sockets: SocketFollower[] = [];
  const streams: SseFollower[] = [];

  beforeAll(async () => {
    cluster = await Cluster.start({
      PAYMENT_PROVIDER: 'pg-ready',
      HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
      HOLD_EXPIRY_WARNING_SECONDS: '3',
    });
  });
  afterAll(async () => {
    streams.forEach((s) => s.stop());
    sockets.forEach((s) => s.client.close());
    await cluster?.stop();
  });

  it('loses and doubles nothing, settles every hold, and brings every client up to date', async () => {
    const lb = cluster.balancer;
    const admin = await createAdmin(lb);
    const { concertId, seatIds } = await createOption(lb, admin, { seatCount: 60 });
    await lb
      .http()
      .put(`/api/admin/concerts/${concertId}/waiting-room`)
      .set(bearer(admin))
      .send({ enabled: true, admissionPerMinute: 6000, maxActiveUsers: 1000 })
      .expect(200);
    const fans = await Promise.all(Array.from({ length: FANS }, () => signUpFan(lb)));
    for (const fan of fans) {
      const client = await connectSocket(cluster.url, fan.token, 10_000, {
        transports: ['polling', 'websocket'],
        reconnection: true,
      });
      sockets.push(new SocketFollower(fan, client, lb));
    }
    for (const fan of fans.slice(0, SSE_FANS)) streams.push(new SseFollower(fan, cluster.url));
    const following = streams.map((s) => s.run());

    /** A fan's request through nginx, its answer recorded (a refused connection counts as a 5xx). */
    const call = async (fan: Fan, method: string, path: string, body?: object): Promise<RawResponse> => {
      const send = () => asFan(lb, fan, method, path, body);
      const res = await send()
        // As a browser does: a request that failed on a kept-alive connection the balancer had closed
        // (nginx closes idle client connections when it reloads) was never received; it is sent again.
        .catch((err: Error & { reusedSocket?: boolean }) => (err.reusedSocket ? send() : Promise.reject(err)))
        .catch((err: Error): RawResponse => ({
          status: 599,
          headers: {},
          text: err.message,
          body: undefined,
        }));
      const what = `${method} ${path.replace(/\/\d+/g, '/:id')}${res.status >= 500 ? ` ${res.text}` : ''}`;
      seen.push({ at: Date.now(), status: res.status, what });
      return res;
    };
    const webhook = async (event: Parameters<typeof sendPgEvent>[1]): Promise<number> => {
      // A PG redelivers what did not reach the service (the webhook is idempotent): once, on a dropped
      // connection, here.
      const { status, text } = await sendPgEvent(lb, event)
        .catch(() => sendPgEvent(lb, event))
        .catch((err: Error) => ({ status: 599, text: err.message }));
      seen.push({ at: Date.now(), status, what: `POST webhook${status >= 500 ? ` ${text}` : ''}` });
      return status;
    };

    /** One fan's on-sale: join, wait for admission, hold a free seat, pay; the PG answers most payments. */
    let running = true;
    const shop = async (fan: Fan, n: number): Promise<void> => {
      for (let round = 0; running; round++) {
        await call(fan, 'POST', '/api/v1/waiting-queue/join', { concertId });
        const status = await call(fan, 'GET', `/api/v1/waiting-queue/status?concertId=${concertId}`);
        if ((status.body as { status?: string } | undefined)?.status !== 'ACTIVE') {
          await sleep(300); // the fan's poll interval in the queue (the client modelled, not a test wait)
          continue;
        }
        const seatId = seatIds[(n * 7 + round * 13) % seatIds.length];
        const held = await call(fan, 'POST', '/api/reservations/v7/holds', { seatId });
        if (held.status !== 201) continue;
        const { id } = held.body as { id: number };
        if ((await call(fan, 'POST', `/api/reservations/v7/${id}/paying`)).status !== 200) continue;
        const paid = await call(fan, 'POST', `/api/reservations/v7/${id}/confirm`, {});
        const attempt = paid.body as { amount?: number; paymentTransactionId?: number } | undefined;
        if (paid.status !== 200 || !attempt?.paymentTransactionId) continue;
        // The PG: most approve at once, some decline (the hold stays PAYING and expires), some say nothing yet.
        const outcome = (n + round) % 5;
        if (outcome <= 3) {
          await webhook({
            status: outcome < 3 ? 'APPROVED' : 'FAILED',
            reservationId: id,
            amount: attempt.amount!,
            paymentTransactionId: attempt.paymentTransactionId,
          });
        }
        await sleep(100); // the fan's pause between purchases
      }
    };
    const load = fans.map((fan, n) => shop(fan, n));

    // The restarts, one at a time, while the load runs. Between them the test waits for the load to have
    // made progress (answers seen through nginx), not for a fixed time: on a slow machine the same amount
    // of traffic still meets every restart, and on a fast one no time is spent waiting.
    const loadAnswers = async (n: number, what: string) => {
      const mark = seen.length;
      await until(async () => seen.length >= mark + n, 60_000, `${n} more answers ${what}`);
    };
    await loadAnswers(120, 'before the first restart');
    for (const i of [0, 1, 2]) {
      await cluster.restart(i, 'SIGTERM');
      await loadAnswers(60, `after restarting instance ${i}`);
    }
    const killed = await cluster.restart(1, 'SIGKILL');
    await loadAnswers(120, 'after the crash');
    running = false;
    await Promise.all(load);

    // The PG settles what it left open (it retries until answered 2xx), approving every payment.
    const open: { id: number; reservation_id: number; amount: number }[] = await cluster.db.query(
      `SELECT id, reservation_id, amount::int AS amount FROM payment_transactions
        WHERE type = 'PAYMENT' AND status = 'PENDING'`,
    );
    for (const attempt of open) {
      const event = { status: 'APPROVED', reservationId: attempt.reservation_id, amount: attempt.amount };
      await until(
        async () => (await webhook({ ...event, paymentTransactionId: attempt.id })) < 300,
        20_000,
        `the webhook of attempt ${attempt.id} to be accepted`,
      );
    }

    // Every hold ends by itself: settled, or expired by the backend alone.
    await until(
      async () =>
        (await cluster.db.query(`SELECT 1 FROM reservations WHERE status IN ('HOLD', 'PAYING')`)).length ===
        0,
      (HOLD_TTL_SECONDS + 30) * 1000,
      'every hold settled or expired',
    );
    expect(await moneyAndSeatProblems(cluster.db)).toEqual([]);

    // Every client knows what the database knows.
    const truth = async (fan: Fan): Promise<View> =>
      new Map(
        (
          (await cluster.db.query(`SELECT id, status FROM reservations WHERE user_id = $1`, [fan.id])) as {
            id: number;
            status: string;
          }[]
        ).map((r) => [Number(r.id), r.status]),
      );
    const behind = async () => {
      const late: string[] = [];
      for (const f of [...sockets, ...streams]) {
        const expected = await truth(f.fan);
        for (const [id, status] of expected) {
          if (f.view.get(id) !== status)
            late.push(`${f.constructor.name} of ${f.fan.id}: ${id} ${f.view.get(id)} ≠ ${status}`);
        }
      }
      return late;
    };
    let late: string[] = [];
    await until(async () => (late = await behind()).length === 0, 30_000, 'every client caught up').catch(
      () => {
        throw new Error(`clients behind the database:\n${late.join('\n')}`);
      },
    );
    const down = sockets.filter((s) => !s.client.socket.connected);
    expect(down.map((s) => `${s.fan.id}: ${s.drops.join(', ')}`)).toEqual([]);
    // Every instance went away once, so every socket lost its instance at least once and came back.
    expect(sockets.filter((s) => s.connects < 2).map((s) => s.fan.id)).toEqual([]);
    expect(streams.every((s) => s.reopens > 0)).toBe(true);

    // 5xx only while an instance was gone without draining (SIGKILL), and counted.
    const inKillWindow = (s: Seen) => s.at >= killed.stoppedAt && s.at <= killed.readyAt + 3000;
    const errors = seen.filter((s) => s.status >= 500);
    const report = {
      requests: seen.length,
      confirmed: Number(
        (await cluster.db.query(`SELECT count(*) FROM reservations WHERE status = 'CONFIRMED'`))[0].count,
      ),
      fiveHundreds: errors.length,
      fiveHundredsInKillWindow: errors.filter(inKillWindow).length,
      outside: errors.filter((s) => !inKillWindow(s)),
      socketReconnects: sockets.reduce((n, s) => n + s.connects - 1, 0),
      socketDrops: [...new Set(sockets.flatMap((s) => s.drops))],
      sseReopens: streams.reduce((n, s) => n + s.reopens, 0),
    };
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'rolling-restart.json'), JSON.stringify(report, null, 2));
    console.info(`rolling restart: ${JSON.stringify({ ...report, outside: report.outside.length })}`);
    expect(report.outside).toEqual([]);
    expect(report.confirmed).toBeGreaterThan(0);
    streams.forEach((s) => s.stop());
    await Promise.all(following);
  });
});
