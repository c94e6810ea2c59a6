import autocannon from 'autocannon';
import { cannon } from '../support/load';
import { Row } from '../support/report';
import { Scenario } from '../support/runner';
import { CLOSED_ROOM, JOIN_CONNECTIONS, RoomBench, statusList } from './waiting-room-setup';

/** Issue 21's 100,000 fans waiting (--scale multiplies it). */
export const WAITING_FANS = 100_000;
const WARM_UP = 1000;
const STATUS_CALLS = 5000;
const MB = 2 ** 20;

/**
 * 100,000 fans waiting in one room (a room that admits almost nobody), each joined through the API: the
 * Redis memory the room takes (MEMORY USAGE of its keys, and the server's used_memory before and after)
 * and the service's RSS, before the joins (after a warm-up on another room) and after. Then status calls
 * of random fans with the queue at 100,000.
 */
export const waitingRoomMemory: Scenario = {
  name: 'waiting-room-memory',
  async run(ctx): Promise<Row[]> {
    const FANS = Math.round(WAITING_FANS * ctx.args.scale);
    const room = await RoomBench.start(ctx, { fans: FANS, concerts: 2 });
    const [concertId, warmRoom] = room.concertIds;
    try {
      await room.configure(concertId, CLOSED_ROOM);
      await room.configure(warmRoom, CLOSED_ROOM);
      await room.joinLoad(warmRoom, 0, WARM_UP);
      const redisBefore = await room.redisUsedMemory();
      const rssBefore = room.app.memory().rssMb;
      const cpu = room.app.cpuMs();
      const join = await room.joinLoad(concertId, 0, FANS);
      const cpuMsPerJoin = (room.app.cpuMs() - cpu) / FANS;
      const rssAfter = room.app.memory().rssMb;
      const redisAfter = await room.redisUsedMemory();
      const roomBytes = await room.roomBytes(concertId);
      const view = await room.view(concertId);
      const inRoom = view.waitingCount + view.activeCount;
      const statusRequests: autocannon.Request[] = [
        {
          method: 'GET',
          path: `/api/v1/waiting-queue/status?concertId=${concertId}`,
          setupRequest: (req) => ({
            ...req,
            headers: { authorization: `Bearer ${room.tokens[Math.floor(Math.random() * FANS)]}` },
          }),
        },
      ];
      const status = await cannon({
        url: room.app.url,
        connections: JOIN_CONNECTIONS,
        amount: STATUS_CALLS,
        requests: statusRequests,
      });
      const { rssMb, peakMb } = room.app.memory();
      if (join.statusCodes['200'] !== FANS || inRoom !== FANS)
        ctx.fail(`${FANS} waiting: joins ${statusList(join)}, ${inRoom} fans in the room`);
      if (status.statusCodes['200'] !== STATUS_CALLS)
        ctx.fail(`${FANS} waiting: status ${statusList(status)}`);
      const usedDelta = redisAfter - redisBefore;
      ctx.log(
        `${FANS} waiting: room keys ${(roomBytes / MB).toFixed(1)} MB (${(roomBytes / FANS).toFixed(0)} B/fan), ` +
          `used_memory +${(usedDelta / MB).toFixed(1)} MB; RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB`,
      );
      return [
        {
          scenario: `room ${FANS / 1000}k waiting`,
          metric: 'Redis bytes/fan',
          service: roomBytes / FANS,
          note:
            `MEMORY USAGE of the room's keys: ${(roomBytes / MB).toFixed(1)} MB for ${inRoom} fans; INFO ` +
            `used_memory +${(usedDelta / MB).toFixed(1)} MB (${(usedDelta / FANS).toFixed(0)} B/fan; the whole ` +
            'server, so other databases in use show in it)',
        },
        {
          scenario: `room ${FANS / 1000}k waiting`,
          metric: 'service RSS MB',
          service: rssAfter,
          ceiling: rssBefore,
          note:
            `after the ${FANS} joins vs the same process before them (after ${WARM_UP} warm-up joins); ` +
            `${rssMb.toFixed(0)} MB after the status calls, peak (VmHWM) ${peakMb.toFixed(0)} MB`,
        },
        {
          scenario: `room ${FANS / 1000}k waiting`,
          metric: 'joins/s',
          service: join.okPerSec,
          note:
            `0 → ${FANS} waiting, ${JOIN_CONNECTIONS} conn; p50/p99 ${join.p50Ms}/${join.p99Ms} ms; ` +
            `app CPU ${cpuMsPerJoin.toFixed(2)} ms/join; ${statusList(join)}`,
        },
        {
          scenario: `room ${FANS / 1000}k waiting`,
          metric: 'status p99 ms',
          service: status.p99Ms,
          note:
            `GET status of random fans, ${FANS} waiting: ${status.okPerSec.toFixed(0)} req/s, p50 ` +
            `${status.p50Ms} ms, ${JOIN_CONNECTIONS} conn`,
        },
      ];
    } finally {
      await room.stop();
    }
  },
};
