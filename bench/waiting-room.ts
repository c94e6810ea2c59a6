/**
 * The waiting room (on-sale admission per concert), in `npm run bench` and on its own, at issue 21's sizes:
 * join throughput and latency beside the same service's /health/live (and the replaced system's 194 req/s,
 * a fixed reference), admission accuracy (per minute, exactly once) and the cap, Redis memory and service
 * RSS with 100,000 fans waiting, QUEUE_STATUS fan-out to 10,000 SSE (and 1,000 socket.io) followers after
 * each tick, and an on-sale of 20,000 fans for 2,000 seats at 3,000 a minute from join to confirmed
 * ticket. The service is a child process built from src/, on the benchmark's own database and Redis index
 * (bench/support/bench-db.ts); fans are seeded in SQL with session tokens. About ten minutes on 2 cores;
 * `--scale 0.25` runs every size at a quarter (printed, not recorded).
 *
 *   npx ts-node bench/waiting-room.ts [--duration 10] [--scale 1] [--only waiting-room-join,…] [--no-record]
 */
import { waitingRoomAdmission } from './scenarios/waiting-room-admission';
import { JOINS_PER_DURATION_SEC, waitingRoomJoin } from './scenarios/waiting-room-join';
import { WAITING_FANS, waitingRoomMemory } from './scenarios/waiting-room-memory';
import { ON_SALE_FANS, ON_SALE_SEATS, THINK_MS, waitingRoomOnSale } from './scenarios/waiting-room-on-sale';
import { waitingRoomJoinProfile } from './scenarios/waiting-room-join-profile';
import { SOCKET_SUBSCRIBERS, SSE_SUBSCRIBERS, waitingRoomPush } from './scenarios/waiting-room-push';
import { REDIS_URLS } from './support/bench-db';
import { Benchmark, runBenchmarks } from './support/runner';

const n = (count: number, scale: number) => Math.round(count * scale).toLocaleString('en-US');
const range = ([min, max]: readonly [number, number]) => `${min / 1000}–${max / 1000} s`;

export const WAITING_ROOM: Benchmark = {
  title: 'Waiting room (bench/waiting-room.ts)',
  about: (args) =>
    `The service with REDIS_URL (${REDIS_URLS.waitingRoom}, emptied first) on a database of its own, default ` +
    'settings (DATABASE_POOL_SIZE 20); fans seeded in SQL, each with a session token (every call also asks ' +
    `the denylist, as after a login). Join: ${n(JOINS_PER_DURATION_SEC * args.duration, 1)} distinct fans over ` +
    '64 connections, against GET /health/live of the same process under the same load and count (mean of a ' +
    'run before and one after), each route warmed up first with as many calls as are measured, and ' +
    "against the replaced system's 194 req/s (its own k6 join baseline as " +
    'issue 21 quotes it: a fixed reference figure, not measured here). Admission: two rooms for ' +
    `${Math.max(60, 6 * args.duration)} s, counted from each room's own tick history in Redis: 750/min ` +
    'against rate × the time its ticks spanned, and a cap of 50 sampled every 20 ms (Redis), 200 ms (API) ' +
    `and after every tick. Memory: MEMORY USAGE of the room's keys with ${n(WAITING_FANS, args.scale)} fans ` +
    "waiting, and the service's RSS against the same process before the joins. Push: " +
    `${n(SSE_SUBSCRIBERS, args.scale)} SSE and ${n(SOCKET_SUBSCRIBERS, args.scale)} socket.io followers; ` +
    'delay = receipt − the `now` of the tick the QUEUE_STATUS reports (from the same history), same machine, ' +
    'same clock; expected = one push per waiting follower per tick. On-sale: ' +
    `${n(ON_SALE_FANS, args.scale)} fans join at once for ${n(ON_SALE_SEATS, args.scale)} seats, 3,000 ` +
    'admitted a minute (at most 1,000 ACTIVE); an admitted fan thinks as a browser user would before each ' +
    `step (seat ${range(THINK_MS.seat)}, another seat after a 409 ${range(THINK_MS.another)}, checkout ` +
    `${range(THINK_MS.checkout)}, payment ${range(THINK_MS.pay)}); time to sell out against the room's own ` +
    'pace (seats ÷ rate). App, PostgreSQL, Redis and the bench clients share the 2 cores.',
  options: ['duration', 'scale', 'profile'],
  partial: (args) => args.scale !== 1,
  scenarios: [
    waitingRoomJoinProfile,
    waitingRoomJoin,
    waitingRoomAdmission,
    waitingRoomMemory,
    waitingRoomPush,
    waitingRoomOnSale,
  ],
};

if (require.main === module) void runBenchmarks('npx ts-node bench/waiting-room.ts', [WAITING_ROOM]);
