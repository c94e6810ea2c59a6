import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBenchClient } from '../support/bench-db';
import { JsonClient, JsonResponse, percentile } from '../support/load';
import { Row } from '../support/report';
import { Scenario } from '../support/runner';
import { met, QueueStatus, RoomBench } from './waiting-room-setup';

const FANS = 5000;
const SEATS = 500;
const RATE_PER_MIN = 1200;
const MAX_ACTIVE = 200;
const ACTIVE_TTL_SEC = 60;
const LIMIT_SEC = 120;
/**
 * Connections for joins and for status polls (each kind its own, so that one never waits in the bench's
 * queue behind the other); a purchase has one per ACTIVE fan, as each is a browser of its own.
 */
const SOCKETS = 128;

/**
 * The next status poll: 0.8 × the estimated wait (at least 1 s, ± 10 %), so a fan asks a few times while
 * waiting (≈ log of its wait) and learns of its admission within about a second of it.
 */
const pollDelayMs = (s: QueueStatus) =>
  Math.max(1, 0.8 * (s.estimatedWaitSeconds ?? 1)) * 1000 * (0.9 + 0.2 * Math.random());

/**
 * An on-sale: 5,000 fans join a room admitting 1,200 a minute (at most 200 ACTIVE, 60 s each) at
 * once, then poll their status with a back-off from estimatedWaitSeconds. An admitted fan reads the
 * option's available seats, holds a random one (another one on 409), pays and confirms (mock gateway),
 * then leaves the room; a call answered 5xx or not at all is sent again (and counted). A fan who finds
 * no seat available five times, 3 s apart, gives up. Until all 500 seats are CONFIRMED or 120 s pass.
 * Time to sell out is compared with the time the room itself needs to admit 500 fans at that rate; 5xx
 * and oversold seats must be 0.
 */
export const waitingRoomOnSale: Scenario = {
  name: 'waiting-room-on-sale',
  async run(ctx): Promise<Row[]> {
    const room = await RoomBench.start(ctx, { fans: FANS, seats: { sale: SEATS }, maxSockets: SOCKETS });
    const concertId = room.concertIds[0];
    const optionId = room.seats.sale.optionId;
    const poller = new JsonClient(room.app.url, SOCKETS);
    const buyer = new JsonClient(room.app.url, MAX_ACTIVE);
    const saleOver = new AbortController();
    setMaxListeners(FANS + 1000, saleOver.signal); // every waiting fan's sleep listens to it
    const latencies = new Map<string, number[]>();
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
    const wait = (ms: number) => sleep(ms, true, { signal: saleOver.signal }).catch(() => false);

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
        if (seats.length === 0 || attempt % 4 === 3) {
          const path = `/api/concerts/options/${optionId}/seats`;
          const r = await call('seats', 'GET', path, '', undefined, buyer);
          if (r.status !== 200) {
            note('seats', r);
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
        const seatId = seats.splice(Math.floor(Math.random() * seats.length), 1)[0];
        const hold = await persist('hold', '/api/reservations/v7/holds', token, { seatId });
        if (hold.status === 409) {
          conflicts++;
          continue;
        }
        if (hold.status !== 201) return note('hold', hold);
        const id = (hold.body as { id: number }).id;
        const pay = await persist('paying', `/api/reservations/v7/${id}/paying`, token);
        if (pay.status !== 200) return note('paying', pay);
        const confirm = () => persist('confirm', `/api/reservations/v7/${id}/confirm`, token, {});
        const paying = (r: JsonResponse) =>
          r.status === 200 && (r.body as { status?: string }).status === 'PAYING';
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
    let db: { confirmedRows: number; soldSeats: number; oversold: number; twice: number };
    try {
      await room.configure(concertId, {
        enabled: true,
        admissionPerMinute: RATE_PER_MIN,
        maxActiveUsers: MAX_ACTIVE,
        activeTtlSeconds: ACTIVE_TTL_SEC,
      });
      const cpuBefore = room.app.cpuMs();
      const benchCpuBefore = process.cpuUsage();
      started = performance.now();
      const limit = setTimeout(() => saleOver.abort(), LIMIT_SEC * 1000);
      await Promise.all(Array.from({ length: FANS }, (_, i) => fan(i)));
      clearTimeout(limit);
      const ms = performance.now() - started;
      const benchCpu = process.cpuUsage(benchCpuBefore);
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
    const others = [...unexpected.entries()].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none';
    if (room.serverErrors || db.oversold || !soldOut)
      ctx.fail(
        `on-sale: ${confirmed} confirmed (${db.confirmedRows} rows), ${room.serverErrors} 5xx, ` +
          `${room.transportErrors} transport errors, ${db.oversold} oversold; unexpected: ${others}`,
      );
    ctx.log(
      `on-sale: ${confirmed}/${SEATS} sold in ${sellOutSec.toFixed(1)} s (pace ${paceSec} s), ${admitted} admitted, ` +
        `${polls} polls, ${conflicts} seat conflicts, ${room.serverErrors} 5xx; unexpected: ${others}`,
    );
    const seconds = (ms: number) => ((ms - started) / 1000).toFixed(1);
    const calls = [...latencies.entries()]
      .map(
        ([kind, l]) =>
          `${kind} ${l.length} × ${percentile(l, 50).toFixed(0)}/${percentile(l, 99).toFixed(0)}`,
      )
      .join(', ');
    ctx.log(
      `on-sale: calls (count × p50/p99 ms): ${calls}; CPU of one core: service ${cpu.service.toFixed(0)} %, bench ${cpu.bench.toFixed(0)} %`,
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
          `first join → last confirmation, vs the room's own pace (${SEATS} admissions at ${RATE_PER_MIN}/min); ` +
          `all joined after ${seconds(lastJoinAt)} s (${joinsDone} joins); ${polls} status polls; ` +
          `${conflicts} holds lost to another fan (409); ${pendingAfterError} confirms left PENDING by a 5xx ` +
          `(retried every 5 s until the reconciler settled them); CPU of one core: service ${cpu.service.toFixed(0)} %, ` +
          `bench ${cpu.bench.toFixed(0)} %`,
      },
      {
        scenario: 'room on-sale',
        metric: 'purchase p50 s',
        service: percentile(flows, 50) / 1000,
        note:
          `an admitted fan's seat list → hold → paying → confirm (409s retried), p99 ` +
          `${(percentile(flows, 99) / 1000).toFixed(1)} s; calls (count × p50/p99 ms): ${calls}`,
      },
      {
        scenario: 'room on-sale',
        metric: '5xx responses',
        service: room.serverErrors,
        note:
          `must be 0 (${met(room.serverErrors === 0)}); ${room.transportErrors} calls without an answer (30 s client timeout); other unexpected ` +
          `answers: ${others}; service log: ${log.errors} errors, ${log.warnings} warnings` +
          (log.firstError ? ` (first: ${log.firstError})` : ''),
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
