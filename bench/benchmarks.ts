/**
 * The benchmarks `npm run bench` runs (bench/run.ts), in order: each is a section of bench/RESULTS.md, the
 * scenarios whose rows it holds, what its table measures (written under the heading) and the options its
 * scenarios read. A scenario is one module of bench/scenarios/; `--only <scenario>` runs one.
 */
import { bestAvailable } from './scenarios/best-available';
import { checkout } from './scenarios/checkout';
import { massRefund, massRefundKill, PAID_ORDERS, REFUNDS_PER_SECOND } from './scenarios/mass-refund';
import { embedded } from './scenarios/embedded';
import { expiry, HOLDS } from './scenarios/expiry';
import { framework } from './scenarios/framework';
import { hold, HOLD_CONNECTIONS } from './scenarios/hold';
import { holdPolicy } from './scenarios/hold-policy';
import { holdZones } from './scenarios/hold-zones';
import { hotSeat } from './scenarios/hot-seat';
import { memory } from './scenarios/memory';
import { orderHold } from './scenarios/order-hold';
import { overlapStorm } from './scenarios/overlap-storm';
import {
  BENCH_RETRY_SCHEDULE,
  EVENTS_PER_SECOND,
  outboundWebhooks,
  outboundWebhooksHold,
  WEBHOOK_EVENTS,
} from './scenarios/outbound-webhooks';
import { profile } from './scenarios/profile';
import { push } from './scenarios/push';
import { scaleOut } from './scenarios/scale-out';
import { SEAT_MAP_SEATS, seatMap } from './scenarios/seat-map';
import { CUSTOMERS, HOLD_TTL_SECONDS, SEATS, soak } from './scenarios/soak';
import { waitingRoomAdmission } from './scenarios/waiting-room-admission';
import { JOINS_PER_DURATION_SEC, waitingRoomJoin } from './scenarios/waiting-room-join';
import { waitingRoomJoinProfile } from './scenarios/waiting-room-join-profile';
import { WAITING_FANS, waitingRoomMemory } from './scenarios/waiting-room-memory';
import { ON_SALE_FANS, ON_SALE_SEATS, THINK_MS, waitingRoomOnSale } from './scenarios/waiting-room-on-sale';
import { SOCKET_SUBSCRIBERS, SSE_SUBSCRIBERS, waitingRoomPush } from './scenarios/waiting-room-push';
import { webhook } from './scenarios/webhook';
import { REDIS_URLS } from './support/bench-db';
import { Benchmark } from './support/runner';

export const SERVICE: Benchmark = {
  title: 'Service vs ceiling (npm run bench)',
  about: (args) =>
    `${args.duration} s per scenario. Ceilings: the same hold transaction run by pgbench on the same PostgreSQL ` +
    "(bench/pgbench-hold.sql; mean of a run before and one after the service, and a run at the service's 64 " +
    'connections), a bare node:http server for the trivial route, the hold on the system PostgreSQL for the ' +
    'embedded default, the hold without a sales policy for the hold with one. Ratio = service / ceiling.',
  scenarios: [hold, holdPolicy, framework, hotSeat, checkout, memory, embedded, profile],
  options: ['duration', 'profile'],
};

export const SCALE_OUT: Benchmark = {
  title: 'Scale-out: three instances on one PostgreSQL (npm run bench)',
  about: (args) =>
    `Issue 25: the hold load of the service table (${HOLD_CONNECTIONS} connections, a distinct seat per ` +
    'request, 1000 users round robin) against one instance directly, one behind nginx and three behind ' +
    'nginx (deploy/nginx rules in the nginx.conf support/nginx-conf.ts writes: one worker, upstream ' +
    'keepalive), every instance with REDIS_URL, the Kafka mock, TRUST_PROXY=127.0.0.1 and the limits off, ' +
    `on a database of its own. Blocks 1, 3, 1, 3, each started fresh, measured idle for 3 s, then warmed ` +
    `up; ${args.duration} s per leg, seats reset before each; a figure is the mean of its two legs. ` +
    'Service = the first setup a metric names, ceiling = the second (a one-instance figure). CPU: user+sys ' +
    'from /proc/<pid>/stat of the instances, nginx (master and worker), the Kafka mock (kcat) and ' +
    "PostgreSQL's backends on the bench database (pg_stat_activity); machine = /proc/stat, everyone on the " +
    "box. Holds per statement: the instances' checkout_hold_batch_size. All of it, with Redis and the load " +
    'generator, shares the 2 cores.',
  scenarios: [scaleOut],
  options: ['duration'],
};

/** 10,000 holds due at once, expired by application instances in child processes. */
export const EXPIRY: Benchmark = {
  title: 'Hold expiry',
  about: (args) =>
    `${HOLDS} holds due (a) within one second, (b) at the same millisecond, expired by ${args.instances} app ` +
    `instances (child processes sharing PostgreSQL and Redis), outbox relay ${args.relay}, ${args.runs} run(s) ` +
    `per scenario${args['no-warm-up'] ? '' : ' after one uncounted warm-up run'}. Lateness = commit of EXPIRED ` +
    '− holdExpiresAt, seen by the committing instance (p99 in the service column, p50 / max in the note); ' +
    'expired_at − deadline is the statement’s start, from the rows. Targets: (a) p99 < 100 ms and max < 250 ms, ' +
    '(b) p99 < 400 ms.',
  options: ['runs', 'instances', 'relay', 'scenario', 'no-warm-up', 'quiet-load', 'quiet-wait'],
  partial: (args) => args.scenario !== 'both',
  scenarios: [expiry],
};

/** Signed payment webhooks per second through the service, then the same events replayed. */
export const WEBHOOK: Benchmark = {
  title: 'PG webhook throughput',
  about: (args) =>
    `${args.events} signed events, each for a different PENDING attempt, through the service (a child process, ` +
    `its own database) over ${args.connections} connections; then the same events replayed. Ceilings in the ` +
    'same run: GET /health/live of the same service under the same load, and bare HMAC verification.',
  options: ['events', 'connections'],
  scenarios: [webhook],
};

/** Outbound webhooks to the seller's systems: every message delivered, the lag, the cost to holds. */
export const OUTBOUND_WEBHOOKS: Benchmark = {
  title: 'Outbound webhooks',
  about: (args) =>
    `The service (a child process, its own database, WEBHOOK_RETRY_SCHEDULE=${BENCH_RETRY_SCHEDULE.split(',').length} × ` +
    `0.2 s) and a receiver on 127.0.0.1 in the bench process that verifies every message with the ` +
    `standardwebhooks package. Delivery: ${WEBHOOK_EVENTS} ORDER_STATUS CONFIRMED events committed at ` +
    `${EVENTS_PER_SECOND}/s (multi-row INSERTs into outbox_events, as the orders module writes them) to 3 ` +
    'endpoints, one answering 500 at random on half of its attempts; lag = receipt − commit ack, same ' +
    'process and clock, against the same lag with 2 healthy endpoints only (3,000 events first). Hold: ' +
    `the hold load of the service table (${args.duration} s legs A B B A after a warm-up), 3 endpoints ` +
    'subscribed against none, with 100 order events/s beside the holds in every leg.',
  options: ['duration'],
  scenarios: [outboundWebhooks, outboundWebhooksHold],
};

/** Commit → socket latency of realtime pushes, in process and over Kafka. */
export const PUSH: Benchmark = {
  title: 'Realtime push',
  about: (args) =>
    `${args.sockets} socket.io clients (websocket transport, one user each, all also subscribed to one option) ` +
    `in the bench process; events committed one autocommit INSERT each into outbox_events at a fixed rate, ` +
    `${args.seconds} s per rate; latency = receipt on the socket − the INSERT's commit ack, same process and ` +
    'clock. The app is a child process on its own database; app, PostgreSQL and the clients share the ' +
    "machine. The Kafka rows go through librdkafka's mock broker (kcat), whose fetches wait out " +
    "maxWaitTimeInMs: indicative of correctness, not of a real broker's latency.",
  options: ['sockets', 'seconds', 'kafka'],
  scenarios: [push],
};

const n = (count: number, scale: number) => Math.round(count * scale).toLocaleString('en-US');
const range = ([min, max]: readonly [number, number]) => `${min / 1000}–${max / 1000} s`;

/**
 * The waiting room (on-sale admission per concert) at issue 21's sizes: join throughput and latency beside
 * the same service's /health/live (and the replaced system's 194 req/s, a fixed reference), admission
 * accuracy (per minute, exactly once) and the cap, Redis memory and service RSS with 100,000 fans waiting,
 * QUEUE_STATUS fan-out to 10,000 SSE (and 1,000 socket.io) followers after each tick, and an on-sale of
 * 20,000 fans for 2,000 seats at 3,000 a minute from join to confirmed ticket. About ten minutes on 2
 * cores; `--scale 0.25` runs every size at a quarter (printed, not recorded).
 */
export const WAITING_ROOM: Benchmark = {
  title: 'Waiting room',
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

/** Issue 34: what price zones cost the hold and the seat map. */
export const ZONES: Benchmark = {
  title: 'Price zones',
  about: (args) =>
    'The service on the bench database (default settings). Hold: as in the service table (64 connections, a ' +
    'distinct seat per request, 1000 users round robin), on options whose every seat is in one of four zones ' +
    `against options without zones, eight legs of ${Math.max(2, Math.round(args.duration / 2))} s in the order ` +
    'A B B A A B B A after a warm-up leg, each figure the mean of its four legs. Seat map: GET /seat-map of ' +
    `a ${SEAT_MAP_SEATS.toLocaleString('en-US')}-seat ` +
    'option in four zones by rows (a third of the seats held or sold), 16 connections, 40 maps per second of ' +
    'duration, every answer awaited (a warm-up of 32 first), against GET /health/live of the same process ' +
    `(warmed up for 1 s, then ${args.duration} s) and the same map without zones.`,
  options: ['duration'],
  scenarios: [holdZones, seatMap],
};

/** Orders (issue 35): several seats in one transaction, the best-available choice, overlapping orders. */
export const ORDERS: Benchmark = {
  title: 'Orders',
  about: (args) =>
    'The service (child process, its own database, mock provider, no hold limits) on 2 cores with the load ' +
    `generator. Orders of 4 seats by id against single v7 holds: ${HOLD_CONNECTIONS} connections, a distinct ` +
    `seat (or 4) per request, 1000 users round robin, legs A B B A of ${args.duration} s after a warm-up of ` +
    'each; compared in seats held per second. Best available: 64 connections order 4 seats by quantity in ' +
    'one of three zones (rotating) of a 5,000-seat show until every zone is sold out, against orders of 4 ' +
    'seats by id selling out a show of the same size the same way. Overlap storm: 200 fans at once, each ' +
    'ordering a pair that overlaps both neighbours (every other pair named in reverse order), 10 rounds; ' +
    'deadlocks as PostgreSQL counts them (pg_stat_database).',
  options: ['duration'],
  scenarios: [orderHold, bestAvailable, overlapStorm],
};

/** Mixed traffic, then the money and seat invariants: minutes long, so it runs only when named. */
export const SOAK: Benchmark = {
  title: 'Soak',
  about: (args) =>
    `${args.minutes} min of mixed traffic against the built service (child process, its own database, ` +
    `${REDIS_URLS.soak}): ${CUSTOMERS} customers on ${SEATS} seats, mock provider with a random outcome per confirm, ` +
    `every pending attempt answered by a signed webhook up to HOLD_TTL_SECONDS (${HOLD_TTL_SECONDS}) + 4 s ` +
    'later (some twice), holds abandoned to expire, cancels while PAYING, refunds (a sold-out customer refunds ' +
    'one of its tickets, so seats keep cycling); one socket.io client per customer plus a seat subscriber. ' +
    'Then the invariants: the rows marked "must be 0".',
  options: ['minutes'],
  scenarios: [soak],
  onlyWhenNamed: true,
};

/** Issue 36: a show's paid orders refunded at the shared pace, undisturbed and with an instance killed. */
export const MASS_REFUND: Benchmark = {
  title: 'Show cancellation: mass refund',
  about: () =>
    `${PAID_ORDERS.toLocaleString('en-US')} paid orders (one seat each, mock provider, written in SQL) of one ` +
    `show, cancelled through the API with MASS_REFUND_PER_SECOND=${REFUNDS_PER_SECOND}; the service runs as ` +
    'node dist/main.js children on a database of their own, sharing Redis for the pace. Wall time = the ' +
    "run's finishedAt − createdAt; ceiling = the pace (10,000 / 500 = 20 s), target within 10 %. The kill " +
    'row: two instances, the one created first SIGKILLed when half the rows are done and restarted at once; ' +
    'its ceiling is the undisturbed run of the same invocation. Double refunds: items with more than one ' +
    'SUCCESS REFUND; the invariants are support/invariants.ts over every order.',
  options: [],
  scenarios: [massRefund, massRefundKill],
};

export const BENCHMARKS = [
  SERVICE,
  ZONES,
  SCALE_OUT,
  EXPIRY,
  WEBHOOK,
  OUTBOUND_WEBHOOKS,
  PUSH,
  WAITING_ROOM,
  ORDERS,
  MASS_REFUND,
  SOAK,
];
