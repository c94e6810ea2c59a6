/**
 * The one command-line parser of bench/: `--name value`, `--name=value` and `--flag`. Every option of every
 * benchmark is declared here once; a command accepts those of the benchmarks it runs, anything else is an
 * error. A number must be positive; an option whose default is 0 also takes 0.
 */
interface Option {
  value: number | string | boolean;
  help: string;
  choices?: string[];
}

export const OPTIONS = {
  duration: {
    value: 10,
    help: 'seconds per scenario of the service table; waiting room: join count, windows',
  },
  scale: {
    value: 1,
    help: "waiting room: sizes as a fraction of issue 21's (100,000 waiting, 10,000 SSE, 20,000 fans); < 1 records nothing",
  },
  only: {
    value: '',
    help: 'comma list of scenarios to run (the soak runs only so); a benchmark run in part records nothing',
  },
  profile: {
    value: false,
    help: 'adds a CPU profile of the hold endpoint and of the waiting-room join (printed, not recorded)',
  },
  'no-record': { value: false, help: 'print only, leave bench/RESULTS.md as it is' },
  runs: { value: 3, help: 'expiry: measured runs per scenario' },
  instances: { value: 2, help: 'expiry: application instances (worker processes)' },
  relay: { value: 'on', choices: ['on', 'off'], help: 'expiry: outbox relay; off = the expiry path alone' },
  scenario: { value: 'both', choices: ['a', 'b', 'both'], help: 'expiry: a = due within 1 s, b = at 1 ms' },
  'no-warm-up': { value: false, help: 'expiry: no uncounted warm-up run first' },
  'quiet-load': { value: 0, help: 'expiry: before each run, wait for the 1-min load average below this' },
  'quiet-wait': { value: 120, help: 'expiry: longest wait for --quiet-load, in seconds' },
  events: { value: 4000, help: 'webhook: signed events per run' },
  connections: { value: 16, help: 'webhook: HTTP connections' },
  sockets: { value: 1000, help: 'push: socket.io clients' },
  seconds: { value: 20, help: 'push: seconds per event rate' },
  kafka: { value: 1, help: 'push: 1 adds two instances over Kafka (kcat mock), 0 leaves them out' },
  minutes: { value: 10, help: 'soak: minutes of traffic' },
  help: { value: false, help: 'this text' },
} satisfies Record<string, Option>;

export type OptionName = keyof typeof OPTIONS;
export type Args = { -readonly [K in OptionName]: (typeof OPTIONS)[K]['value'] };

/** Prints the problem and how to get help, and exits: a wrong command line starts nothing. */
export function usageError(problem: string): never {
  console.error(`${problem} (--help lists the options)`);
  process.exit(2);
}

export function parseArgs(argv: string[], accepted: OptionName[], usage: string): Args {
  const args = Object.fromEntries(Object.entries(OPTIONS).map(([k, o]) => [k, o.value])) as Args;
  const set = args as Record<OptionName, Option['value']>;
  for (let i = 0; i < argv.length; i++) {
    const [, name, inline] = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]) ?? [];
    if (!accepted.includes(name as OptionName)) usageError(`unknown argument ${argv[i]}`);
    const option: Option = OPTIONS[name as OptionName];
    if (typeof option.value === 'boolean') {
      if (inline !== undefined) usageError(`--${name} takes no value`);
      set[name as OptionName] = true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined || raw.startsWith('--')) usageError(`--${name} needs a value`);
    if (typeof option.value === 'string') {
      if (option.choices && !option.choices.includes(raw))
        usageError(`--${name} is one of ${option.choices.join(', ')}`);
      set[name as OptionName] = raw;
    } else {
      const n = Number(raw);
      if (!(n > 0 || (n === 0 && option.value === 0))) usageError(`--${name} needs a positive number`);
      set[name as OptionName] = n;
    }
  }
  if (args.help) {
    console.log(`usage: ${usage}\n`);
    for (const name of accepted) {
      const o: Option = OPTIONS[name];
      const value = typeof o.value === 'boolean' ? '' : ` <${o.choices?.join('|') ?? typeof o.value}>`;
      const fallback = typeof o.value === 'boolean' || o.value === '' ? '' : ` (default ${o.value})`;
      console.log(`  --${name}${value}`.padEnd(32) + `${o.help}${fallback}`);
    }
    process.exit(0);
  }
  return args;
}
