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
import { hold } from './scenarios/hold';
import { holdPolicy } from './scenarios/hold-policy';
import { hotSeat } from './scenarios/hot-seat';
import { memory } from './scenarios/memory';
import { profile } from './scenarios/profile';
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

void runBenchmarks('npm run bench --', [SERVICE, EXPIRY, WEBHOOK, PUSH, WAITING_ROOM]);
