import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBenchClient } from '../support/bench-db';
import { JsonClient, JsonResponse, percentile } from '../support/load';
import { Row } from '../support/report';
import { Scenario } from '../support/runner';
import { met, QueueStatus, RoomBench } from './waiting-room-setup';

/** Issue 21's on-sale: 20,000 fans, 2,000 seats, 3,000 admitted a minute (--scale multiplies the first two). */
export const ON_SALE_FANS = 20_000;
export const ON_SALE_SEATS = 2_000;
const RATE_PER_MIN = 3000;
/** 20 s of admissions: a fan is ACTIVE for about one purchase (≈ 8 s of thinking), so the rate decides. */
const MAX_ACTIVE = 1000;
const ACTIVE_TTL_SEC = 120;
const LIMIT_SEC = 240;
/**
 * A fan's think time in ms (uniform between the bounds), as a browser crowd has it: looking at the seat
 * map before a hold, picking another seat after a 409, the checkout page before paying, the payment
 * details before confirming. 8 s in all on average. Without it each ACTIVE fan's next call follows the
 * last one's answer at once: as many calls in flight as fans ACTIVE (up to the cap), each wanting one of
 * the service's 20 pooled PostgreSQL connections, which no crowd of browsers does.
 */
export const THINK_MS = {
  seat: [1000, 4000],
  another: [500, 1500],
  checkout: [2000, 5000],
  pay: [1000, 3000],
} as const;
const meanThinkSec =
  (THINK_MS.seat[0] + THINK_MS.seat[1] + THINK_MS.checkout[0] + THINK_MS.checkout[1]) / 2000 +
  (THINK_MS.pay[0] + THINK_MS.pay[1]) / 2000;
const think = ([min, max]: readonly [number, number]) => sleep(min + (max - min) * Math.random());
/**
 * Connections for joins and for status polls (each kind its own, so that one never waits in the bench's
 * queue behind the other); a purchase has one per ACTIVE fan, as each is a browser of its own.
 */
const SOCKETS = 128;
/**
 * How long a fan waits for an answer before the call counts as unanswered: a browser's fetch has no
 * timeout of its own, and a fan whose hold got no answer would leave its seat held for the hold's TTL.
 */
const PATIENCE_MS = 120_000;

/**
 * The next status poll: 0.8 × the estimated wait (at least 1 s, ± 10 %), so a fan asks a few times while
 * waiting (≈ log of its wait) and learns of its admission within about a second of it.
 */
const pollDelayMs = (s: QueueStatus) =>
  Math.max(1, 0.8 * (s.estimatedWaitSeconds ?? 1)) * 1000 * (0.9 + 0.2 * Math.random());

/**
 * An on-sale: 20,000 fans join a room admitting 3,000 a minute (at most 1,000 ACTIVE, 120 s each) at
 * once, then poll their status with a back-off from estimatedWaitSeconds. An admitted fan reads the
 * option's available seats, thinks, holds a random one (another one on 409), thinks, pays and confirms
 * (mock gateway, thinking before each), then leaves the room; a call answered 5xx or not at all is sent
 * again after 1 s (and counted). A fan who finds no seat available five times, 3 s apart, gives up. Until
 * all 2,000 seats are CONFIRMED or 240 s pass. Time to sell out is compared with the time the room itself
 * needs to admit 2,000 fans at that rate; 5xx and oversold seats must be 0. Every 5xx or unanswered call
 * is counted by request, status and errorCode.
 */
export const waitingRoomOnSale: Scenario = {
  name: 'waiting-room-on-sale',
  async run(ctx): Promise<Row[]> {
    const FANS = Math.round(ON_SALE_FANS * ctx.args.scale);
    const SEATS = Math.round(ON_SALE_SEATS * ctx.args.scale);
    const room = await RoomBench.start(ctx, { fans: FANS, seats: { sale: SEATS }, maxSockets: SOCKETS });
    const concertId = room.concertIds[0];
    const optionId = room.seats.sale.optionId;
    const poller = new JsonClient(room.app.url, SOCKETS, SOCKETS, PATIENCE_MS);
    // Every ACTIVE fan keeps its connection while it thinks, as a browser does. With Node's default of 256
    // idle connections kept, the rest were closed after each call and opened again for the next: hundreds
    // of new connections a second, which overflowed the service's accept queue (511) while it was busy,
    // and the dropped SYNs left calls unanswered for 30 s.
    const buyer = new JsonClient(room.app.url, MAX_ACTIVE, MAX_ACTIVE, PATIENCE_MS);
    const saleOver = new AbortController();
    /**
     * Settles (false) when the sale ends. Every wait races it rather than passing the signal to its sleep:
     * an EventTarget walks its whole listener list on each add and remove, and with 20,000 fans waiting
     * that walk, once per poll, held the bench's event loop for seconds (it is the load generator's
     * clock: every latency it reports was inflated by it).
     */
    const ended = new Promise<false>((resolve) =>
      saleOver.signal.addEventListener('abort', () => resolve(false), { once: true }),
    );
    const latencies = new Map<string, number[]>();
    /** Every call answered 5xx or not at all, by kind, status and errorCode (or the transport error). */
    const failedCalls = new Map<string, number>();
    /** A call of `kind`, timed. */
    const call = async (
      kind: string,
      method: string,
      path: string,
      token: string,
      body?: unknown,
      client?: JsonClient,
    ) => {
      const t0 = performance.now();
      const r = await room.call(method, path, token, body, client);
      if (r.status >= 500 || r.status === 0) {
        const code =
          (r.body as { errorCode?: string } | null)?.errorCode ??
          String(r.body)
            .replace(/\/\d+\//g, '/{id}/')
            .slice(0, 80);
        const key = `${kind} ${r.status} ${code}`;
        failedCalls.set(key, (failedCalls.get(key) ?? 0) + 1);
      }
      const list = latencies.get(kind) ?? [];
      list.push(performance.now() - t0);
      latencies.set(kind, list);
      return r;
    };
    const unexpected = new Map<string, number>();
    const note = (what: string, r: JsonResponse) => {
      const code = (r.body as { errorCode?: string } | undefined)?.errorCode ?? '';
      const key = `${what} ${r.status}${code ? ` ${code}` : ''}`;
      unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
    };
    let confirmed = 0;
    let admitted = 0;
    let polls = 0;
    let conflicts = 0;
    let pendingAfterError = 0;
    let joinsDone = 0;
    let lastJoinAt = 0;
    let lastConfirmAt = 0;
    let firstAdmittedAt = 0;
    const flows: number[] = [];
    let started = NaN;
    const over = () => saleOver.signal.aborted;
    /** Resolves false when the sale ended meanwhile. */
    const wait = (ms: number) =>
      over() ? Promise.resolve(false) : Promise.race([sleep(ms, true, { ref: false }), ended]);

    /**
     * A purchase call, sent again (up to 3 times, 1 s apart) after a 5xx or no answer, as a browser's
     * retry would: paying and confirm answer 200 unchanged when already done, and a hold that got no answer
     * is asked again on the same seat.
     */
    const persist = async (kind: string, path: string, token: string, body?: unknown) => {
      for (let attempt = 1; ; attempt++) {
        const r = await call(kind, 'POST', path, token, body, buyer);
        if ((r.status !== 0 && r.status < 500) || attempt === 4) return r;
        await sleep(1000);
      }
    };

    const buy = async (token: string) => {
      const t0 = performance.now();
      let seats: number[] = [];
      let emptyLists = 0;
      for (let attempt = 0; attempt < 30 && !over(); attempt++) {
        const fresh = seats.length === 0 || attempt % 4 === 3;
        if (fresh) {
          const path = `/api/concerts/options/${optionId}/seats`;
          const r = await call('seats', 'GET', path, '', undefined, buyer);
          if (r.status !== 200) {
            note('seats', r);
            await sleep(1000);
            continue;
          }
          seats = (r.body as { id: number }[]).map((s) => s.id);
          if (seats.length === 0) {
            // Every seat held or sold: look again a few times (a payment may fail and free one), then go.
            if (++emptyLists === 5) return;
            await wait(3000);
            continue;
          }
        }
        await think(fresh ? THINK_MS.seat : THINK_MS.another);
        if (over()) return;
        const seatId = seats.splice(Math.floor(Math.random() * seats.length), 1)[0];
        const hold = await persist('hold', '/api/reservations/v7/holds', token, { seatId });
        if (hold.status === 409) {
          conflicts++;
          continue;
        }
        if (hold.status !== 201) return note('hold', hold);
        const id = (hold.body as { id: number }).id;
        await think(THINK_MS.checkout);
        const pay = await persist('paying', `/api/reservations/v7/${id}/paying`, token);
        if (pay.status !== 200) return note('paying', pay);
        const confirm = () => persist('confirm', `/api/reservations/v7/${id}/confirm`, token, {});
        const paying = (r: JsonResponse) =>
          r.status === 200 && (r.body as { status?: string }).status === 'PAYING';
        await think(THINK_MS.pay);
        let done = await confirm();
        // A confirm cut off after its attempt was recorded PENDING answers that attempt (still PAYING) until
        // the payment reconciler settles it; the fan tries again every 5 s, as the contract allows.
        if (paying(done)) pendingAfterError++;
        while (paying(done) && (await wait(5000))) done = await confirm();
        if (done.status !== 200 || (done.body as { status?: string }).status !== 'CONFIRMED')
          return note('confirm', done);
        if (++confirmed === SEATS) saleOver.abort();
        lastConfirmAt = performance.now();
        flows.push(lastConfirmAt - t0);
        return;
      }
    };

    const fan = async (index: number) => {
      const token = room.tokens[index];
      const joined = await call('join', 'POST', '/api/v1/waiting-queue/join', token, { concertId });
      joinsDone++;
      lastJoinAt = performance.now();
      if (joined.status !== 200) return note('join', joined);
      let status = joined.body as QueueStatus;
      while (status.status === 'WAITING' && !over()) {
        if (!(await wait(pollDelayMs(status)))) return;
        const path = `/api/v1/waiting-queue/status?concertId=${concertId}`;
        const r = await call('status', 'GET', path, token, undefined, poller);
        polls++;
        if (r.status !== 200) note('status', r);
        else status = r.body as QueueStatus;
      }
      if (status.status !== 'ACTIVE') return;
      admitted++;
      firstAdmittedAt ||= performance.now();
      await buy(token);
      const left = await call(
        'leave',
        'DELETE',
        `/api/v1/waiting-queue?concertId=${concertId}`,
        token,
        undefined,
        buyer,
      );
      if (left.status !== 204) note('leave', left);
    };

    let cpu = { service: NaN, bench: NaN };
    let loop = { service: { p50Ms: NaN, p99Ms: NaN, maxMs: NaN }, bench: { p99Ms: NaN, maxMs: NaN } };
    const benchLoop = monitorEventLoopDelay({ resolution: 20 });
    let db: { confirmedRows: number; soldSeats: number; oversold: number; twice: number };
    try {
      await room.configure(concertId, {
        enabled: true,
        admissionPerMinute: RATE_PER_MIN,
        maxActiveUsers: MAX_ACTIVE,
        activeTtlSeconds: ACTIVE_TTL_SEC,
      });
      await room.eventLoopDelay(); // resets the service's histogram
      benchLoop.enable();
      const cpuBefore = room.app.cpuMs();
      const benchCpuBefore = process.cpuUsage();
      started = performance.now();
      const limit = setTimeout(() => saleOver.abort(), LIMIT_SEC * 1000);
      await Promise.all(Array.from({ length: FANS }, (_, i) => fan(i)));
      clearTimeout(limit);
      const ms = performance.now() - started;
      const benchCpu = process.cpuUsage(benchCpuBefore);
      benchLoop.disable();
      loop = {
        service: await room.eventLoopDelay(),
        bench: { p99Ms: benchLoop.percentile(99) / 1e6, maxMs: benchLoop.max / 1e6 },
      };
      cpu = {
        service: (100 * (room.app.cpuMs() - cpuBefore)) / ms,
        bench: (benchCpu.user + benchCpu.system) / 10 / ms,
      };
      db = await withBenchClient(async (client) => {
        const one = async (sql: string) =>
          Number((await client.query<{ n: number }>(sql, [optionId])).rows[0].n);
        return {
          confirmedRows: await one(
            `SELECT count(*) AS n FROM reservations WHERE option_id = $1 AND status = 'CONFIRMED'`,
          ),
          soldSeats: await one(
            `SELECT count(*) AS n FROM seats WHERE option_id = $1 AND status = 'RESERVED'`,
          ),
          oversold: await one(
            `SELECT count(*) AS n FROM (SELECT seat_id FROM reservations WHERE option_id = $1 AND status = 'CONFIRMED'
              GROUP BY seat_id HAVING count(*) > 1) s`,
          ),
          twice: await one(
            `SELECT count(*) AS n FROM (SELECT user_id FROM reservations WHERE option_id = $1 AND status = 'CONFIRMED'
              GROUP BY user_id HAVING count(*) > 1) u`,
          ),
        };
      }, room.databaseUrl);
    } finally {
      saleOver.abort();
      poller.close();
      buyer.close();
      await room.stop();
    }
    const log = room.logSummary();
    const sellOutSec = (lastConfirmAt - started) / 1000;
    const paceSec = (SEATS * 60) / RATE_PER_MIN;
    const soldOut = confirmed === SEATS && db.confirmedRows === SEATS;
    const list = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ') || 'none';
    const others = list(unexpected);
    const failed = list(failedCalls);
    if (room.serverErrors || db.oversold || !soldOut)
      ctx.fail(
        `on-sale: ${confirmed} confirmed (${db.confirmedRows} rows), ${room.serverErrors} 5xx, ` +
          `${room.transportErrors} transport errors, ${db.oversold} oversold; 5xx or unanswered calls: ${failed}; ` +
          `unexpected final answers: ${others}`,
      );
    ctx.log(
      `on-sale: ${confirmed}/${SEATS} sold in ${sellOutSec.toFixed(1)} s (pace ${paceSec} s), ${admitted} admitted, ` +
        `${polls} polls, ${conflicts} seat conflicts, ${room.serverErrors} 5xx; unexpected: ${others}`,
    );
    const seconds = (ms: number) => ((ms - started) / 1000).toFixed(1);
    const f = (ms: number) => ms.toFixed(0);
    const loops =
      `event-loop delay p50/p99/max: service ${f(loop.service.p50Ms)}/${f(loop.service.p99Ms)}/` +
      `${f(loop.service.maxMs)} ms, bench p99/max ${f(loop.bench.p99Ms)}/${f(loop.bench.maxMs)} ms`;
    const calls = [...latencies.entries()]
      .map(
        ([kind, l]) =>
          `${kind} ${l.length} × ${percentile(l, 50).toFixed(0)}/${percentile(l, 99).toFixed(0)}`,
      )
      .join(', ');
    ctx.log(`on-sale: 5xx or unanswered calls (kind status errorCode): ${failed}; service log: ${log.top}`);
    ctx.log(
      `on-sale: calls (count × p50/p99 ms): ${calls}; CPU of one core: service ${cpu.service.toFixed(0)} %, ` +
        `bench ${cpu.bench.toFixed(0)} %; ${loops}`,
    );
    return [
      {
        scenario: 'room on-sale',
        metric: 'seats sold',
        service: db.confirmedRows,
        ceiling: SEATS,
        note:
          `${FANS} fans, ${SEATS} seats, ${RATE_PER_MIN}/min, at most ${MAX_ACTIVE} ACTIVE for ${ACTIVE_TTL_SEC} s; ` +
          `${db.soldSeats} seats RESERVED (sold); ${admitted} fans admitted (first at ${seconds(firstAdmittedAt)} s); ` +
          `${db.twice} fans with two tickets`,
      },
      {
        scenario: 'room on-sale',
        metric: 'time to sell out s',
        service: soldOut ? sellOutSec : NaN,
        ceiling: paceSec,
        note:
          `first join → last confirmation, vs the room's own pace (${SEATS} admissions at ${RATE_PER_MIN}/min; the ` +
          `last purchase adds ≈ ${meanThinkSec} s of thinking); ` +
          `all joined after ${seconds(lastJoinAt)} s (${joinsDone} joins); ${polls} status polls; ` +
          `${conflicts} holds lost to another fan (409); ${pendingAfterError} confirms left PENDING by a 5xx ` +
          `(retried every 5 s until the reconciler settled them); CPU of one core: service ${cpu.service.toFixed(0)} %, ` +
          `bench ${cpu.bench.toFixed(0)} %; ${loops}`,
      },
      {
        scenario: 'room on-sale',
        metric: 'purchase p50 s',
        service: percentile(flows, 50) / 1000,
        note:
          `an admitted fan's seat list → hold → paying → confirm (409s retried), ≈ ${meanThinkSec} s of it ` +
          `thinking; p99 ` +
          `${(percentile(flows, 99) / 1000).toFixed(1)} s; calls (count × p50/p99 ms): ${calls}`,
      },
      {
        scenario: 'room on-sale',
        metric: '5xx responses',
        service: room.serverErrors,
        note:
          `must be 0 (${met(room.serverErrors === 0)}); 5xx or unanswered (${PATIENCE_MS / 1000} s) calls by kind, ` +
          `status and errorCode: ${failed}; other unexpected final answers: ${others}; service log: ` +
          `${log.errors} errors, ${log.warnings} warnings (${log.top})`,
      },
      {
        scenario: 'room on-sale',
        metric: 'oversold seats',
        service: db.oversold,
        note: `must be 0 (${met(db.oversold === 0)}): seats with more than one CONFIRMED reservation, in SQL`,
      },
    ];
  },
};
