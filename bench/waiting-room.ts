/**
 * The waiting room (on-sale admission per concert), in `npm run bench` and on its own: join throughput
 * and latency beside the same service's /health/live, admission accuracy (per minute, exactly once) and
 * the cap, Redis memory per queued fan, QUEUE_STATUS fan-out to SSE and socket.io followers after each
 * tick, and a simulated on-sale from join to confirmed ticket. The service is a child process built from
 * src/, on the benchmark's own database and Redis index (bench/support/bench-db.ts); fans are seeded in
 * SQL with session tokens. About four minutes on 2 cores.
 *
 *   npx ts-node bench/waiting-room.ts [--duration 10] [--only waiting-room-join,…] [--no-record]
 */
import { waitingRoomAdmission } from './scenarios/waiting-room-admission';
import { JOINS_PER_DURATION_SEC, waitingRoomJoin } from './scenarios/waiting-room-join';
import { waitingRoomMemory } from './scenarios/waiting-room-memory';
import { waitingRoomOnSale } from './scenarios/waiting-room-on-sale';
import { waitingRoomPush } from './scenarios/waiting-room-push';
import { REDIS_URLS } from './support/bench-db';
import { Benchmark, runBenchmarks } from './support/runner';

export const WAITING_ROOM: Benchmark = {
  title: 'Waiting room (bench/waiting-room.ts)',
  about: (args) =>
    `The service with REDIS_URL (${REDIS_URLS.waitingRoom}, emptied first) on a database of its own; fans ` +
    'seeded in SQL, each with a session token (every call also asks the denylist, as after a login). Join: ' +
    `${JOINS_PER_DURATION_SEC * args.duration} distinct fans over 64 connections, against GET /health/live of ` +
    'the same process under the same load and count (mean of a run before and one after). Admission: two ' +
    `rooms for ${Math.max(60, 6 * args.duration)} s, counted from each room's own tick history in Redis: ` +
    '750/min against rate × the time its ticks spanned, and a cap of 50 sampled every 20 ms (Redis), 200 ms ' +
    "(API) and after every tick. Memory: MEMORY USAGE of the room's keys with 30,000 fans waiting, and the " +
    "service's RSS against the same process before the joins. Push: delay = receipt − the `now` of the tick " +
    'the QUEUE_STATUS reports (from the same history), same machine, same clock; expected = one push per ' +
    "waiting follower per tick. On-sale: time to sell out against the room's own pace (500 admissions at " +
    '1,200/min = 25 s). App, PostgreSQL, Redis and the bench clients share the 2 cores.',
  options: ['duration'],
  scenarios: [waitingRoomJoin, waitingRoomAdmission, waitingRoomMemory, waitingRoomPush, waitingRoomOnSale],
};

if (require.main === module) void runBenchmarks('npx ts-node bench/waiting-room.ts', [WAITING_ROOM]);
