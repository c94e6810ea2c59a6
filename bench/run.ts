/**
 * `npm run bench`: every benchmark in one run on one machine, each figure beside the ceiling it is compared
 * with, measured in the same run. One table is printed; each benchmark that ran fully replaces its section
 * of bench/RESULTS.md. `npm run bench -- --help` lists the options.
 */
import { EXPIRY } from './expiry';
import { PUSH } from './push';
import { checkout } from './scenarios/checkout';
import { embedded } from './scenarios/embedded';
import { framework } from './scenarios/framework';
import { hold, HOLD_CONNECTIONS } from './scenarios/hold';
import { holdPolicy } from './scenarios/hold-policy';
import { hotSeat } from './scenarios/hot-seat';
import { memory } from './scenarios/memory';
import { profile } from './scenarios/profile';
import { scaleOut } from './scenarios/scale-out';
import { Benchmark, runBenchmarks } from './support/runner';
import { WAITING_ROOM } from './waiting-room';
import { WEBHOOK } from './webhook';

const SERVICE: Benchmark = {
  title: 'Service vs ceiling (npm run bench)',
  about: (args) =>
    `${args.duration} s per scenario. Ceilings: the same hold transaction run by pgbench on the same PostgreSQL ` +
    "(bench/pgbench-hold.sql; mean of a run before and one after the service, and a run at the service's 64 " +
    'connections), a bare node:http server for the trivial route, the hold on the system PostgreSQL for the ' +
    'embedded default, the hold without a sales policy for the hold with one. Ratio = service / ceiling.',
  scenarios: [hold, holdPolicy, framework, hotSeat, checkout, memory, embedded, profile],
  options: ['duration', 'profile'],
};

const SCALE_OUT: Benchmark = {
  title: 'Scale-out: three instances on one PostgreSQL (npm run bench)',
  about: (args) =>
    `Issue 25: the hold load of the service table (${HOLD_CONNECTIONS} connections, a distinct seat per ` +
    'request, 1000 users round robin) against one instance directly, one behind nginx and three behind ' +
    'nginx (deploy/nginx rules in the nginx.conf test/support/nginx-conf.ts writes: one worker, upstream ' +
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

void runBenchmarks('npm run bench --', [SERVICE, SCALE_OUT, EXPIRY, WEBHOOK, PUSH, WAITING_ROOM]);
