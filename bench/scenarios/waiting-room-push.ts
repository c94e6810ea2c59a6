import { ClientRequest, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Socket } from 'socket.io-client';
import { percentile } from '../support/load';
import { Row } from '../support/report';
import { Scenario } from '../support/runner';
import { connectAll } from '../support/sockets';
import { CLOSED_ROOM, met, QueueStatus, RoomBench, statusList } from './waiting-room-setup';

/** Issue 21's 10,000 SSE subscribers, and socket.io followers besides (--scale multiplies both). */
export const SSE_SUBSCRIBERS = 10_000;
export const SOCKET_SUBSCRIBERS = 1000;
/** 5 admissions a tick: every waiting fan's rank moves at every tick, so each is owed one push a tick. */
const RATE_PER_MIN = 300;
const SSE_WAVE = 500;

type Transport = 'sse' | 'socket';

interface Push {
  at: number;
  waitingCount: number;
  transport: Transport;
}

/** Wall-clock ms with sub-ms resolution: the service stamps its ticks with Date.now() on this machine. */
const wallNow = () => performance.timeOrigin + performance.now();

/**
 * GET /api/v1/waiting-queue/subscribe as an EventSource would (token in the query); resolves with the
 * request once the stream has answered 200 (its first frame is the current QUEUE_STATUS). Every
 * QUEUE_STATUS goes to `onPush` with its time of receipt.
 */
function subscribe(
  baseUrl: string,
  concertId: number,
  token: string,
  onPush: (status: QueueStatus, at: number) => void,
): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const url = `${baseUrl}/api/v1/waiting-queue/subscribe?concertId=${concertId}&access_token=${token}`;
    const req = request(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`subscribe: ${res.statusCode}`));
        return;
      }
      resolve(req);
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        const at = wallNow();
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.startsWith('event: QUEUE_STATUS\n'))
            onPush(JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as QueueStatus, at);
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * 11,000 fans waiting, 10,000 following the room by SSE (plain HTTP from the bench process) and 1,000 by
 * socket.io (`queue.subscribe` on /realtime), then the room set to admit 300 a minute (5 a tick), so
 * every fan's rank moves at every tick. A push belongs to the tick whose waitingCount it reports, read
 * afterwards from the room's own tick history in Redis with that tick's `now`; delay = receipt − the
 * tick's `now`, on the same machine's clock. Expected: one push per waiting subscriber per tick.
 */
export const waitingRoomPush: Scenario = {
  name: 'waiting-room-push',
  async run(ctx): Promise<Row[]> {
    const windowSec = Math.max(10, ctx.args.duration);
    const sseCount = Math.round(SSE_SUBSCRIBERS * ctx.args.scale);
    const socketCount = Math.round(SOCKET_SUBSCRIBERS * ctx.args.scale);
    const FANS = sseCount + socketCount;
    const label = `room push ${FANS / 1000}k followers`;
    const room = await RoomBench.start(ctx, { fans: FANS });
    const concertId = room.concertIds[0];
    const requests: ClientRequest[] = [];
    let sockets: Socket[] = [];
    const pushes: Push[] = [];
    try {
      await room.configure(concertId, CLOSED_ROOM);
      const joined = await room.joinLoad(concertId, 0, FANS);
      if (joined.statusCodes['200'] !== FANS) ctx.fail(`push: joins ${statusList(joined)}`);
      const connectStart = performance.now();
      const sseTokens = room.tokens.slice(0, sseCount);
      for (let i = 0; i < sseTokens.length; i += SSE_WAVE) {
        const wave = sseTokens
          .slice(i, i + SSE_WAVE)
          .map((token) =>
            subscribe(room.app.url, concertId, token, (status, at) =>
              pushes.push({ at, waitingCount: status.waitingCount, transport: 'sse' }),
            ),
          );
        requests.push(...(await Promise.all(wave)));
      }
      sockets = await connectAll([room.app.url], room.tokens.slice(sseCount));
      for (const socket of sockets)
        socket.on('QUEUE_STATUS', (status: QueueStatus) =>
          pushes.push({ at: wallNow(), waitingCount: status.waitingCount, transport: 'socket' }),
        );
      const acks = await Promise.all(
        sockets.map(
          (s) => s.timeout(20_000).emitWithAck('queue.subscribe', { concertId }) as Promise<{ ok: boolean }>,
        ),
      );
      if (acks.some((a) => !a.ok))
        throw new Error(`queue.subscribe refused: ${JSON.stringify(acks.find((a) => !a.ok))}`);
      const connectSec = (performance.now() - connectStart) / 1000;
      const rssSubscribed = room.app.memory().rssMb;
      ctx.log(
        `push: ${requests.length} SSE streams and ${sockets.length} sockets in ${connectSec.toFixed(1)} s`,
      );

      await sleep(500);
      const cpuBefore = room.app.cpuMs();
      const benchCpuBefore = process.cpuUsage();
      const from = wallNow();
      await room.configure(concertId, {
        enabled: true,
        admissionPerMinute: RATE_PER_MIN,
        maxActiveUsers: 1_000_000,
        activeTtlSeconds: 3600,
      });
      await sleep(windowSec * 1000);
      const to = wallNow();
      const serverCpuPct = (100 * (room.app.cpuMs() - cpuBefore)) / (to - from);
      const benchCpu = process.cpuUsage(benchCpuBefore);
      const benchCpuPct = (100 * (benchCpu.user + benchCpu.system)) / 1000 / (to - from);
      // Ranks stop moving; the pushes of the window's last ticks may still be on their way.
      await room.configure(concertId, CLOSED_ROOM);
      const quietBy = Date.now() + 15_000;
      let seen = -1;
      while (seen !== pushes.length && Date.now() < quietBy) {
        seen = pushes.length;
        await sleep(1500);
      }
      const rssEnd = room.app.memory().rssMb;

      // Each tick of the window owes a push to every fan waiting just before it (all are subscribed).
      const ticks = await room.ticks(concertId);
      const tickAt = new Map<number, number>(); // waitingCount after a tick of the window → the tick's `now`
      let expected = 0;
      let windowTicks = 0;
      for (let k = 1; k < ticks.length; k++) {
        if (ticks[k].atMs < from || ticks[k].atMs > to) continue;
        if (ticks[k].waiting === ticks[k - 1].waiting) continue; // nobody moved (queue empty)
        tickAt.set(ticks[k].waiting, ticks[k].atMs);
        expected += ticks[k - 1].waiting;
        windowTicks++;
      }
      const delays: Record<Transport | 'all', number[]> = { sse: [], socket: [], all: [] };
      const spread = new Map<number, { first: number; last: number }>(); // tick → its first and last receipt
      let stray = 0; // received after `from` for no tick of the window (the one right after it)
      for (const push of pushes) {
        const tickMs = tickAt.get(push.waitingCount);
        if (tickMs === undefined) {
          if (push.at > from) stray++;
          continue;
        }
        const delay = push.at - tickMs;
        delays[push.transport].push(delay);
        delays.all.push(delay);
        const s = spread.get(tickMs);
        if (!s) spread.set(tickMs, { first: push.at, last: push.at });
        else s.last = Math.max(s.last, push.at);
      }
      const fanOut = [...spread.values()].map((s) => s.last - s.first);
      const f = (v: number) => v.toFixed(0);
      const p = (list: number[], q: number) => f(percentile(list, q));
      const all = delays.all;
      const max = all.reduce((m, d) => Math.max(m, d), 0);
      const p99 = percentile(all, 99);
      const sseP99 = percentile(delays.sse, 99);
      const sseMax = delays.sse.reduce((m, d) => Math.max(m, d), 0);
      const socketMax = delays.socket.reduce((m, d) => Math.max(m, d), 0);
      const complete = all.length === expected;
      if (!complete)
        ctx.fail(`push: ${all.length} QUEUE_STATUS received for ${expected} owed over ${windowTicks} ticks`);
      ctx.log(
        `push: ${all.length} of ${expected} over ${windowTicks} ticks, delay p50/p99/max ` +
          `${p(all, 50)}/${p(all, 99)}/${f(max)} ms (SSE ${p(delays.sse, 99)}, socket.io ${p(delays.socket, 99)} p99)`,
      );
      const seconds = (to - from) / 1000;
      return [
        {
          scenario: label,
          metric: 'SSE delay p99 ms',
          service: sseP99,
          note:
            `receipt − the tick's start, ${sseCount} SSE streams; target p99 < 1 s: ${met(sseP99 < 1000)}; SSE p50 ` +
            `${p(delays.sse, 50)}, max ${f(sseMax)}; socket.io p50/p99/max ${p(delays.socket, 50)}/` +
            `${p(delays.socket, 99)}/${f(socketMax)}; all p99 ${f(p99)}, every push before the next tick (< 1 s): ` +
            `${met(max < 1000)}; first → last receipt of a tick p50/max ${p(fanOut, 50)}/${f(Math.max(...fanOut))} ms`,
        },
        {
          scenario: label,
          metric: 'QUEUE_STATUS/s',
          service: all.length / seconds,
          ceiling: expected / seconds,
          note:
            `vs one per waiting follower per tick: ${all.length} received of ${expected} over ${windowTicks} ` +
            `ticks (${RATE_PER_MIN}/min, ${sseCount} SSE + ${socketCount} socket.io, ${stray} outside the window); ` +
            `all subscribed in ${connectSec.toFixed(1)} s; CPU of one core: service ${f(serverCpuPct)} %, bench ` +
            `${f(benchCpuPct)} %; service RSS ${f(rssSubscribed)} MB subscribed, ${f(rssEnd)} MB at the end`,
        },
      ];
    } finally {
      for (const req of requests) req.destroy();
      for (const socket of sockets) socket.disconnect();
      await room.stop();
    }
  },
};
