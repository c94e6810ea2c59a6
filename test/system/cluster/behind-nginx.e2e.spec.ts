import { Browser } from 'playwright-core';
import { asTestApp } from '../../support/app-child';
import { launchChromium } from '../../support/chromium';
import { Cluster } from '../../support/cluster';
import { createAdmin, createOption, TestOption, TestUser, bearer } from '../../support/factories';
import { asFan, expectStatus, Fan, signUpFan } from '../../support/fans';
import { expiredEventCounts } from '../../support/fixtures';
import { rawRequest } from '../../support/http';
import { moneyAndSeatProblems } from '../../../support/invariants';
import { parseSamples, sumOf, valueOf } from '../../../support/prometheus';
import {
  connectSocket,
  emitWithAck,
  isReservationStatus,
  openSse,
  TestSocket,
  TestSse,
} from '../../../support/realtime-clients';
import { TestApp } from '../../support/test-app';
import { until } from '../../support/wait';

/**
 * The deployment of docs/operations.md "Running several instances": three `node dist/main.js` behind nginx with the
 * repository's own rules (deploy/nginx), one PostgreSQL, one Redis, the Kafka mock. Every request of
 * these tests goes through nginx unless it says `direct`; fans come from addresses of their own.
 */
const HOLD_TTL_SECONDS = 8;
const HOLDS = '/api/reservations/v7/holds';
const reservation = (id: number, step = '') => `/api/reservations/v7/${id}${step}`;

jest.setTimeout(120_000);

describe('three instances behind nginx', () => {
  let cluster: Cluster;
  let lb: TestApp;
  let admin: TestUser;
  const closers: (() => void)[] = [];
  const track = <T extends TestSocket | TestSse>(client: T): T => (closers.push(client.close), client);

  beforeAll(async () => {
    cluster = await Cluster.start({
      HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
      HOLD_EXPIRY_WARNING_SECONDS: '3',
      RATE_LIMIT_ENABLED: 'true',
      SEED_DEMO_DATA: 'true', // all three at once, as a first `docker compose up` does
    });
    lb = cluster.balancer;
    admin = await createAdmin(lb);
  });
  afterAll(async () => {
    closers.forEach((close) => close());
    await cluster?.stop();
  });

  const option = (seatCount: number): Promise<TestOption> => createOption(lb, admin, { seatCount });
  const fans = (n: number): Promise<Fan[]> => Promise.all(Array.from({ length: n }, () => signUpFan(lb)));
  const hold = (fan: Fan, seatId: number) => asFan(lb, fan, 'POST', HOLDS, { seatId });

  /** Counters summed over the three instances, each scraped directly (nginx would pick one at random). */
  async function clusterSum(name: string): Promise<number> {
    let sum = 0;
    for (const i of [0, 1, 2]) {
      const res = await fetch(`${cluster.direct(i)}/metrics`);
      sum += sumOf(parseSamples(await res.text()), name);
    }
    return sum;
  }

  /** How often each instance has run the periodic job `job` (its duration histogram's count). */
  async function jobRuns(job: string): Promise<number[]> {
    return Promise.all(
      [0, 1, 2].map(async (i) => {
        const res = await fetch(`${cluster.direct(i)}/metrics`);
        return valueOf(parseSamples(await res.text()), 'checkout_job_duration_seconds_count', { job }) ?? 0;
      }),
    );
  }

  /** Waits until every instance has run `job` `runs` more times: the condition a fixed sleep stood for. */
  async function everyInstanceRan(job: string, runs: number): Promise<void> {
    const before = await jobRuns(job);
    await until(
      async () => (await jobRuns(job)).every((n, i) => n >= before[i] + runs),
      20_000,
      `${runs} more ${job} runs on every instance`,
    );
  }

  it('seeds the demo data once although three instances started together on an empty database', async () => {
    const titles: { title: string }[] = await cluster.db.query('SELECT title FROM concerts ORDER BY id');
    expect(titles.map((c) => c.title)).toEqual([
      'Demo Concert',
      'On-sale Demo (waiting room)',
      'Presale Demo (GOLD tier first)',
    ]);
    const demo = await cluster.db.query(`SELECT 1 FROM users WHERE lower(username) IN ('demo', 'admin')`);
    expect(demo).toHaveLength(2);
  });

  describe('realtime through the balancer', () => {
    it('sets the sticky cookie on a socket.io handshake', async () => {
      const res = await rawRequest(lb, 'GET', '/socket.io/?EIO=4&transport=polling');
      expect(res.status).toBe(200);
      expect(String(res.headers['set-cookie'])).toMatch(
        /^checkout_instance=checkout_app[123]; Path=\/socket.io\//,
      );
    });

    it('keeps a long-polling socket.io session on its instance and pushes to it what any instance did', async () => {
      const [fan] = await fans(1);
      const { seatIds } = await option(2);
      const socket = track(await connectSocket(cluster.url, fan.token, 10_000, { transports: ['polling'] }));
      let drops = 0;
      socket.socket.on('disconnect', () => drops++);
      // Every ack is a polling round trip: without stickiness two in three would reach an instance that
      // does not know the session ("Session ID unknown") and drop the socket.
      for (let i = 0; i < 12; i++) {
        expect(await emitWithAck(socket.socket, 'seats.subscribe', { optionId: 1 }, 10_000)).toBeDefined();
      }
      const held = expectStatus<{ id: number }>(await hold(fan, seatIds[0]), 201);
      await socket.inbox.waitFor(isReservationStatus(held.id, 'HOLD'), 15_000, 'HOLD over long-polling');
      expect(drops).toBe(0);
      expect(socket.socket.io.engine.transport.name).toBe('polling');
      // No hold left to expire during a later test's count.
      expectStatus(await asFan(lb, fan, 'POST', reservation(held.id, '/cancel')), 200);
    });

    it('streams SSE unbuffered through nginx and resumes it on every instance from Last-Event-ID', async () => {
      const [fan] = await fans(1);
      const { seatIds } = await option(1);
      const events = `/api/reservations/v7/events?access_token=${fan.token}`;
      const first = track(await openSse(`${cluster.url}${events}`));
      const held = expectStatus<{ id: number }>(await hold(fan, seatIds[0]), 201);
      // A live event arriving while the stream is open: nginx does not buffer it.
      const heldEvent = await first.inbox.waitFor(
        isReservationStatus(held.id, 'HOLD'),
        15_000,
        'HOLD over SSE',
      );
      first.close();
      // Missed while disconnected:
      expectStatus(await asFan(lb, fan, 'POST', reservation(held.id, '/paying')), 200);
      expectStatus(await asFan(lb, fan, 'POST', reservation(held.id, '/cancel')), 200);

      for (const i of [0, 1, 2]) {
        const resumed = track(
          await openSse(`${cluster.direct(i)}${events}`, { 'Last-Event-ID': String(heldEvent.data.eventId) }),
        );
        await resumed.inbox.waitFor(
          isReservationStatus(held.id, 'CANCELLED'),
          15_000,
          `replay on instance ${i}`,
        );
        const replayed = (type: string) =>
          resumed.inbox.events.filter((e) => e.type === type).map((e) => e.data.status);
        expect(replayed('RESERVATION_STATUS')).toEqual(['PAYING', 'CANCELLED']);
        // The hold's order of one moved with it (contract "Orders": ORDER_STATUS on the same stream).
        expect(replayed('ORDER_STATUS')).toEqual(['PAYING', 'CANCELLED']);
        resumed.close();
      }
    });
  });

  describe('the acceptance scenarios across three instances', () => {
    it('gives each seat to one fan of a crowd, and charges each winner once despite repeated confirms', async () => {
      const crowd = await fans(24);
      const { seatIds } = await option(3);
      const winners: { fan: Fan; id: number }[] = [];
      for (const seatId of seatIds) {
        const answers = await Promise.all(crowd.map((fan) => hold(fan, seatId)));
        const won = answers.flatMap((res, i) => (res.status === 201 ? [{ fan: crowd[i], res }] : []));
        expect(won).toHaveLength(1);
        expect(answers.filter((r) => r.status === 409)).toHaveLength(crowd.length - 1);
        winners.push({ fan: won[0].fan, id: (won[0].res.body as { id: number }).id });
      }
      await Promise.all(winners.map((w) => asFan(lb, w.fan, 'POST', reservation(w.id, '/paying'))));
      // The same confirmation three times at once (likely on three instances), and once under another key.
      const confirms = await Promise.all(
        winners.flatMap((w) => [
          ...[1, 2, 3].map(() =>
            asFan(lb, w.fan, 'POST', reservation(w.id, '/confirm'), {}, { 'Idempotency-Key': `pay-${w.id}` }),
          ),
          asFan(lb, w.fan, 'POST', reservation(w.id, '/confirm'), {}, { 'Idempotency-Key': `again-${w.id}` }),
        ]),
      );
      expect(confirms.filter((r) => r.status >= 500)).toEqual([]);
      for (const w of winners) {
        const state = expectStatus<{ status: string }>(await asFan(lb, w.fan, 'GET', reservation(w.id)), 200);
        expect(state.status).toBe('CONFIRMED');
      }
      const charges = await cluster.db.query(
        `SELECT reservation_id, count(*)::int AS n FROM payment_transactions
          WHERE type = 'PAYMENT' AND status = 'SUCCESS' AND reservation_id = ANY($1) GROUP BY 1`,
        [winners.map((w) => w.id)],
      );
      expect(charges.map((c: { n: number }) => c.n)).toEqual([1, 1, 1]);
      expect(await moneyAndSeatProblems(cluster.db)).toEqual([]);
    });

    it('expires every hold exactly once, and pushes each EXPIRED once to its fan', async () => {
      const crowd = await fans(6);
      const { seatIds } = await option(6);
      const expiriesBefore = await clusterSum('checkout_expiries_total');
      const sockets = await Promise.all(
        crowd.map(async (fan) =>
          track(
            await connectSocket(cluster.url, fan.token, 10_000, { transports: ['polling', 'websocket'] }),
          ),
        ),
      );
      const ids = await Promise.all(
        crowd.map(async (fan, i) => expectStatus<{ id: number }>(await hold(fan, seatIds[i]), 201).id),
      );
      await Promise.all(
        ids.map((id, i) =>
          sockets[i].inbox.waitFor(
            isReservationStatus(id, 'EXPIRED'),
            (HOLD_TTL_SECONDS + 20) * 1000,
            'EXPIRED',
          ),
        ),
      );
      // Proving that something does NOT happen needs a fixed wait: a duplicate (a second instance expiring
      // the same hold) would come from another instance's timer for that hold, which fired with the first.
      // Waiting for a sweeper run on every instance instead would take up to 5 s more.
      await new Promise((r) => setTimeout(r, 1500));
      const counts = await expiredEventCounts({ dataSource: cluster.db });
      expect(ids.map((id) => counts.get(id))).toEqual(ids.map(() => 1));
      sockets.forEach((s, i) =>
        expect(s.inbox.events.filter(isReservationStatus(ids[i], 'EXPIRED'))).toHaveLength(1),
      );
      expect((await clusterSum('checkout_expiries_total')) - expiriesBefore).toBe(ids.length);
      expect(await moneyAndSeatProblems(cluster.db)).toEqual([]);
    });

    it('admits from a waiting room exactly once per fan and never above the cap, whoever ticks', async () => {
      const crowd = await fans(10);
      const { concertId } = await option(2);
      const room = `/api/admin/concerts/${concertId}/waiting-room`;
      await lb
        .http()
        .put(room)
        .set(bearer(admin))
        .send({ enabled: true, admissionPerMinute: 600, maxActiveUsers: 4 })
        .expect(200);
      const admittedBefore = await clusterSum('checkout_waiting_room_admitted_total');
      const queue = (fan: Fan) =>
        asFan(lb, fan, 'GET', `/api/v1/waiting-queue/status?concertId=${concertId}`);
      for (const fan of crowd) {
        expectStatus(await asFan(lb, fan, 'POST', '/api/v1/waiting-queue/join', { concertId }), 200);
      }
      const statuses = async () =>
        Promise.all(crowd.map(async (fan) => expectStatus<{ status: string }>(await queue(fan), 200).status));
      let seen: string[] = [];
      await until(
        async () => (seen = await statuses()).filter((s) => s === 'ACTIVE').length === 4,
        20_000,
        'four fans admitted',
      );
      // Several more ticks on three instances: still exactly the cap, and the first four in line.
      await everyInstanceRan('waiting-room-admission', 2);
      seen = await statuses();
      expect(seen).toEqual([...Array(4).fill('ACTIVE'), ...Array(6).fill('WAITING')]);
      // Two leave: exactly two more are admitted, the next two in line.
      for (const fan of crowd.slice(0, 2)) {
        expect((await asFan(lb, fan, 'DELETE', `/api/v1/waiting-queue?concertId=${concertId}`)).status).toBe(
          204,
        );
      }
      await until(
        async () => (await statuses()).filter((s) => s === 'ACTIVE').length === 4,
        20_000,
        'two more admitted',
      );
      await everyInstanceRan('waiting-room-admission', 2); // and none beyond the cap after more ticks
      expect(await statuses()).toEqual([
        'NONE',
        'NONE',
        ...Array(4).fill('ACTIVE'),
        ...Array(4).fill('WAITING'),
      ]);
      expect((await clusterSum('checkout_waiting_room_admitted_total')) - admittedBefore).toBe(6);
    });
  });

  describe('client addresses', () => {
    /** 31 logins from one address: the 31st is over the 30-per-minute limit per client address. */
    const login = (from: string, i: number, headers: Record<string, string> = {}, via = lb) =>
      rawRequest(
        via,
        'POST',
        '/api/auth/login',
        { 'Content-Type': 'application/json', ...headers },
        JSON.stringify({ username: `nobody${i}`, password: 'wrong-password' }),
        from,
      );

    it("limits per client address from nginx's X-Forwarded-For, which no client can forge", async () => {
      const client = '127.0.9.1';
      for (let i = 0; i < 30; i++) expect((await login(client, i)).status).toBe(401);
      expect((await login(client, 30)).status).toBe(429);
      // Another fan behind the same nginx is not limited: the instances see addresses, not the proxy.
      expect((await login('127.0.9.2', 31)).status).toBe(401);
      // A client naming the limited address itself is counted as what it is, through nginx or not.
      const forged = { 'X-Forwarded-For': client };
      expect((await login('127.0.9.3', 32, forged)).status).toBe(401);
      const instance = asTestApp({ url: cluster.direct(0) }, cluster.db);
      expect((await login('127.0.9.4', 33, forged, instance)).status).toBe(401);
    });
  });

  describe('the demo page in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => (browser = await launchChromium()));
    afterAll(async () => browser?.close());

    it('connects socket.io with polling allowed and shows a seat another fan takes', async () => {
      const [me, other] = await fans(2);
      const { concertId, optionId, seatIds } = await option(4);
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${cluster.url}/`);
      await page.getByTestId('username').fill(me.username);
      await page.getByTestId('password').fill(me.password);
      await page.getByTestId('login').click();
      await page.getByTestId('concert').selectOption(String(concertId));
      await page.getByTestId('option').selectOption(String(optionId));
      await page.locator('[data-testid="connection"][data-mode="socket"]').waitFor({ timeout: 20_000 });
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === 'checkout_instance')?.value).toMatch(/^checkout_app[123]$/);

      expectStatus(await hold(other, seatIds[2]), 201);
      await page
        .locator(`[data-seat-id="${seatIds[2]}"][data-status="TEMP_RESERVED"]`)
        .waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('connection').getAttribute('data-mode')).toBe('socket');
      expect(errors).toEqual([]);
      await context.close();
    });
  });
});
