import { setTimeout as sleep } from 'node:timers/promises';
import { Row } from '../support/report';
import { Scenario } from '../support/runner';
import { met, RoomBench, statusList } from './waiting-room-setup';

/** Fans joined to each of the two rooms (the same fans: a fan may queue for several concerts). */
const FANS = 3000;
/** Accuracy: a rate that is not a whole number per second, so the carried fraction is exercised too. */
const RATE_PER_MIN = 750;
/** The cap: the rate could fill it twice a second, slots end after 10 s or on a leave. */
const CAP = 50;
const CAP_RATE_PER_MIN = 6000;
const CAP_TTL_SEC = 10;
const LEAVES_PER_SEC = 20;

/**
 * Two rooms side by side for a minute (6 × --duration, at least 60 s), both ticked by the same service.
 * Accuracy: 3,000 fans waiting in a room admitting 750 a minute (cap far above); admissions counted from
 * the room's own tick history in Redis (each tick's `now` and running total), against rate × the time the
 * ticks spanned: within ±1 %, and exactly once (every fan either still queued or ACTIVE, never both,
 * never twice, none lost; the room's totals agree). The cap: 3,000 fans, 50 slots of 10 s, 100 admissions
 * a second available, 20 random leaves a second freeing slots between ticks; the ACTIVE count, sampled
 * every 20 ms in Redis, every 200 ms through the API and after every tick, never exceeds 50.
 */
export const waitingRoomAdmission: Scenario = {
  name: 'waiting-room-admission',
  timeoutSec: (args) => 240 + Math.max(60, 6 * args.duration),
  async run(ctx): Promise<Row[]> {
    const windowSec = Math.max(60, 6 * ctx.args.duration);
    const room = await RoomBench.start(ctx, { fans: FANS, concerts: 2 });
    const [accuracyRoom, capRoom] = room.concertIds;
    const rows: Row[] = [];
    try {
      await room.configure(accuracyRoom, {
        enabled: true,
        admissionPerMinute: 1,
        maxActiveUsers: 1_000_000,
        activeTtlSeconds: 3600,
      });
      await room.configure(capRoom, {
        enabled: true,
        admissionPerMinute: 1,
        maxActiveUsers: CAP,
        activeTtlSeconds: CAP_TTL_SEC,
      });
      for (const concertId of [accuracyRoom, capRoom]) {
        const joined = await room.joinLoad(concertId, 0, FANS);
        if (joined.statusCodes['200'] !== FANS) ctx.fail(`admission: joins ${statusList(joined)}`);
      }
      // Both rooms start admitting at their rates; the window begins with the first tick after that.
      await room.configure(accuracyRoom, {
        enabled: true,
        admissionPerMinute: RATE_PER_MIN,
        maxActiveUsers: 1_000_000,
        activeTtlSeconds: 3600,
      });
      await room.configure(capRoom, {
        enabled: true,
        admissionPerMinute: CAP_RATE_PER_MIN,
        maxActiveUsers: CAP,
        activeTtlSeconds: CAP_TTL_SEC,
      });
      const from = Date.now();
      const deadline = from + windowSec * 1000;
      let maxApi = 0;
      let maxRedis = 0;
      let apiSamples = 0;
      let redisSamples = 0;
      let leaves = 0;
      const sampleApi = async () => {
        while (Date.now() < deadline) {
          maxApi = Math.max(maxApi, (await room.view(capRoom)).activeCount);
          apiSamples++;
          await sleep(200);
        }
      };
      const sampleRedis = async () => {
        while (Date.now() < deadline) {
          maxRedis = Math.max(maxRedis, await room.activeCount(capRoom));
          redisSamples++;
          await sleep(20);
        }
      };
      const churn = async () => {
        while (Date.now() < deadline) {
          await sleep(1000 / LEAVES_PER_SEC);
          const active = await room.activeFans(capRoom);
          if (!active.length) continue;
          const fan = active[Math.floor(Math.random() * active.length)];
          const token = room.tokens[room.fanIds.indexOf(fan)];
          const r = await room.call('DELETE', `/api/v1/waiting-queue?concertId=${capRoom}`, token);
          if (r.status === 204) leaves++;
        }
      };
      await Promise.all([sampleApi(), sampleRedis(), churn()]);
      await sleep(1100); // the window's last tick has run

      // Accuracy, from the room's own history.
      const ticks = (await room.ticks(accuracyRoom)).filter((t) => t.atMs >= from && t.atMs <= deadline);
      const [first, last] = [ticks[0], ticks[ticks.length - 1]];
      const spanMs = last.atMs - first.atMs;
      const admitted = last.admittedTotal - first.admittedTotal;
      const expected = (RATE_PER_MIN * spanMs) / 60_000;
      const errorPct = (100 * (admitted - expected)) / expected;
      const perTick = ticks.slice(1).map((t, i) => t.admittedTotal - ticks[i].admittedTotal);
      const gaps = ticks.slice(1).map((t, i) => t.atMs - ticks[i].atMs);
      const once = await exactlyOnce(room, accuracyRoom);
      if (Math.abs(errorPct) > 1 || !once.ok)
        ctx.fail(
          `admission: ${admitted} admitted over ${spanMs} ms of ticks, expected ${expected.toFixed(1)}; ${once.text}`,
        );
      ctx.log(
        `admission: ${admitted} admitted in ${(spanMs / 1000).toFixed(1)} s of ticks (expected ` +
          `${expected.toFixed(1)}, ${errorPct.toFixed(2)} %), per tick ${Math.min(...perTick)}–${Math.max(...perTick)}; ${once.text}`,
      );
      rows.push(
        {
          scenario: 'room admission',
          metric: 'admitted/min',
          service: (admitted * 60_000) / spanMs,
          ceiling: RATE_PER_MIN,
          note:
            `vs the configured rate; ${admitted} admitted between ticks ${(spanMs / 1000).toFixed(3)} s apart, ` +
            `expected ${expected.toFixed(1)}: error ${errorPct >= 0 ? '+' : ''}${errorPct.toFixed(2)} %, ` +
            `target ±1 % (${met(Math.abs(errorPct) <= 1)})`,
        },
        {
          scenario: 'room admission',
          metric: 'admitted per tick',
          service: Math.max(...perTick),
          note:
            `max; min ${Math.min(...perTick)} over ${perTick.length} ticks (${RATE_PER_MIN / 60}/s asked); ` +
            `tick gaps ${Math.min(...gaps)}–${Math.max(...gaps)} ms; exactly once: ${once.text} (${met(once.ok)})`,
        },
      );

      // The cap, from the samples and the room's own history.
      const capTicks = (await room.ticks(capRoom)).filter((t) => t.atMs >= from);
      const maxTick = Math.max(...capTicks.map((t) => t.active));
      const capAdmitted = capTicks[capTicks.length - 1].admittedTotal;
      const highest = Math.max(maxApi, maxRedis, maxTick);
      if (highest > CAP) ctx.fail(`cap: ${highest} fans ACTIVE at once with maxActiveUsers ${CAP}`);
      ctx.log(
        `cap: max ${maxApi} (API) / ${maxRedis} (Redis) / ${maxTick} (ticks) active of ${CAP}; ` +
          `${capAdmitted} admitted, ${leaves} left`,
      );
      rows.push({
        scenario: 'room admission cap',
        metric: 'max ACTIVE at once',
        service: highest,
        ceiling: CAP,
        note:
          `never over the cap (${met(highest <= CAP)}): max ${maxRedis} in ${redisSamples} Redis samples ` +
          `(every 20 ms), ${maxApi} in ${apiSamples} API samples (every 200 ms), ${maxTick} after ${capTicks.length} ` +
          `ticks; ${capAdmitted} admitted, ${leaves} left, slots of ${CAP_TTL_SEC} s, ${CAP_RATE_PER_MIN}/min asked`,
      });
      if (room.serverErrors || room.transportErrors)
        ctx.fail(`admission: ${room.serverErrors} 5xx, ${room.transportErrors} transport errors`);
    } finally {
      await room.stop();
    }
    return rows;
  },
};

/**
 * Every fan who joined is either still queued or ACTIVE, in exactly one of them; the room's own total of
 * admissions, its ACTIVE set and what left the queue agree (no slot ends in this room: 1 h, no leaves).
 */
async function exactlyOnce(room: RoomBench, concertId: number): Promise<{ ok: boolean; text: string }> {
  const { queued, active } = await room.members(concertId);
  const both = active.filter((fan) => queued.has(fan)).length;
  const distinct = new Set([...queued, ...active]).size;
  const total = await room.admittedTotal(concertId);
  const ok = both === 0 && distinct === FANS && active.length === total && queued.size + total === FANS;
  return {
    ok,
    text:
      `${active.length} ACTIVE + ${queued.size} queued = ${distinct} distinct of ${FANS} joined, ${both} in both, ` +
      `room's total ${total}`,
  };
}
