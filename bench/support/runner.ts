import { join } from 'node:path';
import { AppOptions, buildApp, REPO_ROOT, ServerProcess, startApp, stopOwned } from './app-process';
import { Args, OptionName, parseArgs, usageError } from './args';
import { postgresVersion, recreateBenchDatabase, resetAndSeed, Seeded } from './bench-db';
import { LoadResult } from './load';
import { loadAverage, machine, markdownTable, recordSection, Row, textTable, today } from './report';
import { userTokens } from './tokens';

/** Users seeded for the service's scenarios: the hot seat needs 500 distinct ones. */
const USERS = 1000;

export interface Service {
  app: ServerProcess;
  seeded: Seeded;
  tokens: string[];
}

/** What a scenario gets from the runner. */
export interface BenchContext {
  args: Args;
  log(line: string): void;
  /** Printed under the table, not recorded. */
  note(text: string): void;
  /** A broken invariant: printed, recorded under the benchmark's table, and the command exits 1. */
  fail(problem: string): void;
  /** The app built from src/ (compiled on first use, reused while src/ is unchanged). */
  entry(): string;
  /** Empties the service's bench database (created on first use), or `url`'s, and seeds users and seats. */
  seed(seats: Record<string, number>, url?: string): Promise<Seeded>;
  /** Seeds, then starts the service on the bench database; the scenario stops it. */
  startService(seats: Record<string, number>, options?: Partial<AppOptions>): Promise<Service>;
  /** Every service process started so far (the memory scenario reports their peak). */
  services: ServerProcess[];
  /** The hold on the system PostgreSQL, for the embedded default's comparison in the same run. */
  holdOnSystem?: LoadResult;
}

export interface Scenario {
  name: string;
  run(ctx: BenchContext): Promise<Row[]>;
  /** Past this, the scenario counts as failed and what it started is stopped (default 300 s + 20 × duration). */
  timeoutSec?(args: Args): number;
  /** Runs only with this flag, and is no part of the recorded table. */
  flag?: 'profile';
}

/** A section of bench/RESULTS.md and the scenarios whose rows it holds. */
export interface Benchmark {
  title: string;
  /** What the table measures, written under the heading. */
  about(args: Args): string;
  scenarios: Scenario[];
  /** The options its scenarios read. */
  options: OptionName[];
  /** A run that leaves part of the benchmark out is printed, not recorded. */
  partial?(args: Args): boolean;
  /** Left out unless `--only` names its scenarios (the soak: minutes of traffic, not a measurement). */
  onlyWhenNamed?: boolean;
}

const log = (line: string) => console.log(`[bench] ${line}`);

/**
 * Parses the command line, runs the selected scenarios of `benchmarks` in order (each bounded in time),
 * prints one table and records, for each benchmark that ran fully, its section of bench/RESULTS.md.
 * `--only` runs the scenarios it names: a benchmark it names only some scenarios of is not recorded.
 */
export async function runBenchmarks(command: string, benchmarks: Benchmark[]): Promise<void> {
  const argv = process.argv.slice(2);
  const options = ['only', ...benchmarks.flatMap((b) => b.options), 'no-record', 'help'] as OptionName[];
  const accepted = [...new Set(options)];
  const names = benchmarks.flatMap((b) => b.scenarios.filter((s) => !s.flag).map((s) => s.name));
  const args = parseArgs(argv, accepted, `${command} [options]\n\nscenarios (--only): ${names.join(', ')}`);
  const selected = args.only ? args.only.split(',') : undefined;
  const unknown = selected?.filter((name) => !names.includes(name)) ?? [];
  if (unknown.length) usageError(`--only: no scenario ${unknown.join(', ')} (there are ${names.join(', ')})`);

  const postgres = await postgresVersion();
  const commandLine = argv.length ? [command, ...argv].join(' ') : command.replace(/ --$/, '');
  const heading = `${today()}, \`${commandLine}\`: ${machine()}, PostgreSQL ${postgres}`;
  log(`${machine()}; PostgreSQL ${postgres}; load average ${loadAverage()}`);
  const notes: string[] = [];
  let failures: string[] = [];
  let built: string | undefined;
  let database: Promise<unknown> | undefined;
  const ctx: BenchContext = {
    args,
    log,
    note: (text) => notes.push(text),
    fail: (problem) => {
      failures.push(problem);
      process.exitCode = 1;
    },
    entry: () => (built ??= buildApp()),
    seed: async (seats, url) => {
      if (!url) await (database ??= recreateBenchDatabase('service'));
      return resetAndSeed(USERS, seats, url);
    },
    startService: async (seats, options) => {
      const seeded = await ctx.seed(seats);
      const app = await startApp({ entry: ctx.entry(), ...options });
      ctx.services.push(app);
      return { app, seeded, tokens: userTokens(seeded.userIds) };
    },
    services: [],
  };

  const rows: Row[] = [];
  const problems: string[] = [];
  for (const bench of benchmarks) {
    const load = loadAverage();
    const benchRows: Row[] = [];
    let complete = !bench.partial?.(args);
    failures = [];
    for (const scenario of bench.scenarios) {
      if (scenario.flag && !args[scenario.flag]) continue;
      const named = selected ? selected.includes(scenario.name) : !bench.onlyWhenNamed;
      if (!scenario.flag && !named) {
        complete = false;
        continue;
      }
      const got = await runBounded(scenario, ctx);
      if (got) benchRows.push(...got);
      else if (!scenario.flag) complete = false;
    }
    rows.push(...benchRows);
    problems.push(...failures);
    if (complete && !args['no-record']) {
      const body = [`${heading}; load average ${load}.`, bench.about(args), markdownTable(benchRows)];
      if (failures.length) body.push(`**Failed:** ${failures.join('; ')}`);
      recordSection(join(REPO_ROOT, 'bench', 'RESULTS.md'), bench.title, body.join('\n\n'));
      log(`recorded "${bench.title}" in bench/RESULTS.md`);
    }
  }
  console.log(`\n${heading}\n\n${textTable(rows)}\n`);
  for (const text of [...notes, ...problems.map((p) => `FAILED: ${p}`)]) console.log(text);
  await stopOwned();
  // A scenario that timed out may still hold sockets or timers: leave anyway.
  process.exit(process.exitCode ?? 0);
}

async function runBounded(scenario: Scenario, ctx: BenchContext): Promise<Row[] | undefined> {
  const limitSec = scenario.timeoutSec?.(ctx.args) ?? 300 + 20 * ctx.args.duration;
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result after ${limitSec} s`)), limitSec * 1000);
  });
  log(`${scenario.name}: running (at most ${limitSec} s)`);
  try {
    const rows = await Promise.race([scenario.run(ctx), timeout]);
    log(`${scenario.name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return rows;
  } catch (err) {
    console.error(err);
    ctx.fail(`${scenario.name}: ${err instanceof Error ? err.message : String(err)}`);
    await stopOwned();
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
