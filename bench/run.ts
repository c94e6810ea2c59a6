/**
 * `npm run bench`: every benchmark (bench/benchmarks.ts) in one run on one machine, each figure beside the
 * ceiling it is compared with, measured in the same run. One table is printed; each benchmark that ran
 * fully replaces its section of bench/RESULTS.md. `--only a,b` runs the scenarios named;
 * `npm run bench -- --help` lists the options.
 */
import { BENCHMARKS } from './benchmarks';
import { runBenchmarks } from './support/runner';

void runBenchmarks('npm run bench --', BENCHMARKS);
