import Redis from 'ioredis';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { freePort, OwnedProcess } from '../../support/processes';
import { startKafkaMock } from '../../support/kafka-mock';
import { NGINX, nginxConf } from '../../support/nginx-conf';
import { parseSamples, sumOf } from '../../support/prometheus';
import { own, ServerProcess, startApp } from '../support/app-process';
import { recreateBenchDatabase, REDIS_URLS, SeatRange } from '../support/bench-db';
import { cannon, LoadResult } from '../support/load';
import { Row } from '../support/report';
import { BenchContext, Scenario } from '../support/runner';
import { userTokens } from '../support/tokens';
import { HOLD_CONNECTIONS, holdRequests } from './hold';

/** The three ways the same load reaches the service. */
type Setup = '1 direct' | '1 via nginx' | '3 via nginx';

/**
 * One, three, one, three: the instances are started for each block and stopped after it (an idle
 * instance is not free: its outbox relay polls PostgreSQL 40 times a second). Within a one-instance block
 * the direct and the nginx leg swap order, so neither always runs first.
 */
const PLAN: { instances: number; legs: Setup[] }[] = [
  { instances: 1, legs: ['1 direct', '1 via nginx'] },
  { instances: 3, legs: ['3 via nginx'] },
  { instances: 1, legs: ['1 via nginx', '1 direct'] },
  { instances: 3, legs: ['3 via nginx'] },
];
/** Uncounted load after each block's start (JIT, pools, nginx); the very first block warms PostgreSQL too. */
const WARM_UP_SEC = 3;
const FIRST_WARM_UP_SEC = 5;
/** A window with no request after each start: what the instances cost doing nothing. */
const IDLE_SEC = 3;
/** USER_HZ: /proc/<pid>/stat and /proc/stat count CPU time in these ticks. */
const TICKS_PER_SEC = 100;

/** Seats for one leg of `durationSec` (a leg never gets near 4,000 holds/s on two cores). */
export const scaleOutSeats = (durationSec: number) => 4000 * (durationSec + FIRST_WARM_UP_SEC);

/** CPU time over a window, in ms, and the window's wall time. */
interface Cpu {
  wallMs: number;
  app: number;
  postgres: number;
  nginx: number;
  /** The kcat process of the Kafka mock (the broker every instance produces to and fetches from). */
  kafka: number;
  /** This process: autocannon and the sampling. */
  loadGen: number;
  /** /proc/stat: everyone's work on the machine, other people's included. */
  machine: number;
}

/** What one leg measured. */
interface Leg {
  setup: Setup;
  load: LoadResult;
  created: number;
  cpu: Cpu;
  /** Hold statements the instances sent to PostgreSQL (HoldBatcher batches) and the holds in them. */
  statements: number;
  batchedHolds: number;
}

/** User + system CPU time of `pid` in ms, or undefined once it has exited. */
function cpuMsOfPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}

/** Every CPU's busy time (all but idle and iowait) in ms, from /proc/stat: everyone's work on the box. */
function machineBusyMs(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks;
  return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_SEC;
}

/** The processes whose parent is `parent` (optionally only those named `comm`), from /proc. */
function childPids(parent: number, comm?: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1];
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (ppid === String(parent) && (comm === undefined || command === comm)) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const cpuMsOfPids = (pids: number[]) => pids.reduce((sum, pid) => sum + (cpuMsOfPid(pid) ?? 0), 0);

/** nginx with the repository's rules (deploy/nginx) in front of `ports`, as the three-instance tests run it. */
class Balancer {
  private constructor(
    private readonly proc: OwnedProcess,
    private readonly dir: string,
    readonly url: string,
  ) {
    own(this);
  }

  static async start(ports: number[]): Promise<Balancer> {
    const dir = mkdtempSync(join(tmpdir(), 'checkout-bench-nginx-'));
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, nginxConf(dir, port, ports));
    const proc = OwnedProcess.start(NGINX, ['-p', dir, '-c', conf, '-g', 'daemon off;']);
    const balancer = new Balancer(proc, dir, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && proc.running) {
      const ok = await fetch(`${balancer.url}/health/live`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return balancer;
      await sleep(100);
    }
    await balancer.stop();
    throw new Error(`nginx did not answer:\n${proc.tail}`);
  }

  /** Its master (our child) and its worker (the master's child). */
  cpuMs(): number {
    const master = this.proc.child.pid!;
    return cpuMsOfPids([master, ...childPids(master)]);
  }

  async stop(): Promise<void> {
    await this.proc.stop('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * PostgreSQL's CPU for this benchmark: its backends on the bench database (the apps' pools, autovacuum
 * there), from /proc/<pid>/stat, listed by pg_stat_activity at both ends of a leg. A backend that exits
 * within the leg is missed; the pools keep theirs. The cluster's shared processes (WAL writer,
 * checkpointer) also serve other databases on this machine and are left out.
 */
async function postgresCpu(db: Client): Promise<Map<number, number>> {
  const { rows } = await db.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = cpuMsOfPid(pid);
    if (ms !== undefined) cpu.set(pid, ms);
  }
  return cpu;
}

/** Whose CPU a window counts: the running instances, nginx, the Kafka mock and PostgreSQL's backends. */
class CpuMeter {
  constructor(
    private readonly db: Client,
    private readonly apps: ServerProcess[],
    private readonly balancer?: Balancer,
  ) {}

  /** Starts a window; the returned function ends it and gives the CPU used within. */
  async start(): Promise<() => Promise<Cpu>> {
    const postgres = await postgresCpu(this.db);
    const at = performance.now();
    const before = this.read();
    const loadGen = process.cpuUsage();
    return async () => {
      const wallMs = performance.now() - at;
      const after = this.read();
      const own = process.cpuUsage(loadGen);
      let postgresMs = 0;
      for (const [pid, ms] of await postgresCpu(this.db)) postgresMs += ms - (postgres.get(pid) ?? 0);
      return {
        wallMs,
        app: after.app - before.app,
        postgres: postgresMs,
        nginx: after.nginx - before.nginx,
        kafka: after.kafka - before.kafka,
        loadGen: (own.user + own.system) / 1000,
        machine: after.machine - before.machine,
      };
    };
  }

  private read() {
    return {
      app: this.apps.reduce((sum, app) => sum + app.cpuMs(), 0),
      nginx: this.balancer?.cpuMs() ?? 0,
      kafka: cpuMsOfPids(childPids(process.pid, 'kcat')),
      machine: machineBusyMs(),
    };
  }
}

const cores = (ms: number, cpu: Cpu) => ms / cpu.wallMs;

/** checkout_hold_batch_size over every instance: [statements, holds in them] so far. */
async function holdBatches(apps: ServerProcess[]): Promise<[number, number]> {
  const scrapes = await Promise.all(
    apps.map(async (app) => parseSamples(await (await fetch(`${app.url}/metrics`)).text())),
  );
  return [
    scrapes.reduce((n, s) => n + sumOf(s, 'checkout_hold_batch_size_count'), 0),
    scrapes.reduce((n, s) => n + sumOf(s, 'checkout_hold_batch_size_sum'), 0),
  ];
}

/**
 * Waits until no hold is still being written (requests the client gave up on at the end of a run are
 * still served), then makes every seat available again and removes every reservation, event and
 * purchase count: each leg starts alike, and no late hold takes a seat the next leg asks for.
 */
async function resetSeats(db: Client): Promise<void> {
  const count = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM reservations')).rows[0].n;
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const n = await count();
    if (n === last) break;
    last = n;
    await sleep(250);
  }
  await db.query('TRUNCATE reservations, outbox_events, purchase_counts CASCADE');
  await db.query(`UPDATE seats SET status = 'AVAILABLE' WHERE status <> 'AVAILABLE'`);
  await db.query('VACUUM ANALYZE seats, reservations, outbox_events, purchase_counts');
}

const describe = (cpu: Cpu) => {
  const c = (ms: number) => cores(ms, cpu).toFixed(2);
  return (
    `cores: app ${c(cpu.app)}, PostgreSQL ${c(cpu.postgres)}, nginx ${c(cpu.nginx)}, Kafka mock ` +
    `${c(cpu.kafka)}, load generator ${c(cpu.loadGen)}, machine ${c(cpu.machine)}`
  );
};

async function runLeg(
  ctx: BenchContext,
  db: Client,
  meter: CpuMeter,
  apps: ServerProcess[],
  setup: Setup,
  url: string,
  seats: SeatRange,
  tokens: string[],
): Promise<Leg> {
  await resetSeats(db);
  const batchesBefore = await holdBatches(apps);
  const stop = await meter.start();
  const load = await cannon({
    url,
    connections: HOLD_CONNECTIONS,
    durationSec: ctx.args.duration,
    requests: holdRequests(seats, tokens).requests,
  });
  const cpu = await stop();
  const batchesAfter = await holdBatches(apps);
  const [statements, batchedHolds] = [0, 1].map((i) => batchesAfter[i] - batchesBefore[i]);
  const created = load.statusCodes['201'] ?? 0;
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM reservations WHERE status = 'HOLD'`,
  );
  // Every 201 is a committed hold; a few more rows are holds still in flight when the client stopped.
  if (rows[0].n < created)
    ctx.fail(`scale-out ${setup}: ${created} holds answered 201, ${rows[0].n} HOLD rows`);
  if (load.non2xx || load.errors)
    ctx.fail(
      `scale-out ${setup}: ${load.non2xx} non-2xx, ${load.errors} errors ${JSON.stringify(load.statusCodes)}`,
    );
  ctx.log(
    `scale-out ${setup}: ${load.okPerSec.toFixed(0)} holds/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms; ` +
      `${describe(cpu)}; ${(batchedHolds / statements).toFixed(1)} holds per statement; ` +
      `HOLD rows ${rows[0].n} for ${created} 201s`,
  );
  return { setup, load, created, cpu, statements, batchedHolds };
}

/** Sums CPU windows. */
function total(cpus: Cpu[]): Cpu {
  const sum = (f: (c: Cpu) => number) => cpus.reduce((s, c) => s + f(c), 0);
  return {
    wallMs: sum((c) => c.wallMs),
    app: sum((c) => c.app),
    postgres: sum((c) => c.postgres),
    nginx: sum((c) => c.nginx),
    kafka: sum((c) => c.kafka),
    loadGen: sum((c) => c.loadGen),
    machine: sum((c) => c.machine),
  };
}

/** Mean over the legs of one setup; CPU as cores (ms per ms of wall time) and as ms per successful hold. */
function summary(legs: Leg[], setup: Setup) {
  const of = legs.filter((l) => l.setup === setup);
  const mean = (f: (l: Leg) => number) => of.reduce((s, l) => s + f(l), 0) / of.length;
  const holds = of.reduce((s, l) => s + l.created, 0);
  const cpu = total(of.map((l) => l.cpu));
  return {
    holdsPerSec: mean((l) => l.load.okPerSec),
    perLeg: of.map((l) => l.load.okPerSec.toFixed(0)).join('/'),
    p50: mean((l) => l.load.p50Ms),
    p99: mean((l) => l.load.p99Ms),
    cpu,
    msPerHold: { app: cpu.app / holds, postgres: cpu.postgres / holds },
    holdsPerStatement: of.reduce((n, l) => n + l.batchedHolds, 0) / of.reduce((n, l) => n + l.statements, 0),
    statementsPerSec: of.reduce((n, l) => n + l.statements, 0) / (cpu.wallMs / 1000),
  };
}

/**
 * Hold throughput of three instances on one PostgreSQL against one instance, in the same run: one
 * instance directly, one behind nginx and three behind nginx (deploy/nginx rules, upstream checkout_all),
 * each with Redis, the Kafka mock and the limits off, all on this machine's cores.
 */
export const scaleOut: Scenario = {
  name: 'scale-out',
  timeoutSec: (args) => 240 + 12 * args.duration,
  async run(ctx): Promise<Row[]> {
    const url = await recreateBenchDatabase('scaleOut');
    const seeded = await ctx.seed({ scale: scaleOutSeats(ctx.args.duration) }, url);
    const seats = seeded.options.scale;
    const tokens = userTokens(seeded.userIds);
    const redis = new Redis(REDIS_URLS.scaleOut, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    await redis.flushdb();
    const db = new Client({ connectionString: url });
    await db.connect();
    const kafka = own(await startKafkaMock());
    const env = {
      DATABASE_URL: url,
      REDIS_URL: REDIS_URLS.scaleOut,
      KAFKA_BROKERS: kafka.brokers.join(','),
      TRUST_PROXY: '127.0.0.1',
      RATE_LIMIT_ENABLED: 'false',
      MAX_ACTIVE_HOLDS_PER_USER: '0',
      MAX_ACTIVE_HOLDS_PER_IP: '0',
    };
    const legs: Leg[] = [];
    const idle: Record<number, Cpu[]> = { 1: [], 3: [] };
    try {
      for (const [i, block] of PLAN.entries()) {
        const started = Date.now();
        const apps = await Promise.all(
          Array.from({ length: block.instances }, () => startApp({ entry: ctx.entry(), env })),
        );
        let balancer: Balancer | undefined;
        try {
          // Ready = joined its Kafka consumer group as well.
          await Promise.all(apps.map((a) => a.waitReady('/health/ready', 30_000)));
          balancer = await Balancer.start(apps.map((a) => Number(new URL(a.url).port)));
          const meter = new CpuMeter(db, apps, balancer);
          const stopIdle = await meter.start();
          await sleep(IDLE_SEC * 1000);
          idle[block.instances].push(await stopIdle());
          await resetSeats(db);
          await cannon({
            url: balancer.url,
            connections: HOLD_CONNECTIONS,
            durationSec: i === 0 ? FIRST_WARM_UP_SEC : WARM_UP_SEC,
            requests: holdRequests(seats, tokens).requests,
          });
          ctx.log(
            `scale-out: ${block.instances} instance(s) started, idle, warmed in ${(Date.now() - started) / 1000} s`,
          );
          for (const setup of block.legs) {
            const target = setup === '1 direct' ? apps[0].url : balancer.url;
            legs.push(await runLeg(ctx, db, meter, apps, setup, target, seats, tokens));
          }
        } finally {
          await balancer?.stop();
          await Promise.all(apps.map((a) => a.stop()));
        }
      }
    } finally {
      await kafka.stop();
      await db.end();
      await redis.flushdb().catch(() => undefined);
      redis.disconnect();
    }

    const direct = summary(legs, '1 direct');
    const one = summary(legs, '1 via nginx');
    const three = summary(legs, '3 via nginx');
    const [idle1, idle3] = [total(idle[1]), total(idle[3])];
    const c = (n: number) => n.toFixed(2);
    const others = (cpu: Cpu) =>
      `nginx ${c(cores(cpu.nginx, cpu))}, Kafka mock ${c(cores(cpu.kafka, cpu))}, load generator ` +
      `${c(cores(cpu.loadGen, cpu))}, whole machine ${c(cores(cpu.machine, cpu))}`;
    return [
      {
        scenario: 'scale-out',
        metric: 'holds/s, 3 vs 1 instance (nginx)',
        service: three.holdsPerSec,
        ceiling: one.holdsPerSec,
        note: `the ratio asked for; per leg ${three.perLeg} vs ${one.perLeg}`,
      },
      {
        scenario: 'scale-out',
        metric: 'holds/s, 3 (nginx) vs 1 direct',
        service: three.holdsPerSec,
        ceiling: direct.holdsPerSec,
        note: `per leg direct ${direct.perLeg}`,
      },
      {
        scenario: 'scale-out',
        metric: 'holds/s, 1 via nginx vs direct',
        service: one.holdsPerSec,
        ceiling: direct.holdsPerSec,
        note: `the nginx hop alone; p50/p99 direct ${direct.p50.toFixed(0)}/${direct.p99.toFixed(0)} ms`,
      },
      {
        scenario: 'scale-out',
        metric: 'p50 ms, 3 vs 1 (nginx)',
        service: three.p50,
        ceiling: one.p50,
        note: `${HOLD_CONNECTIONS} connections in every leg`,
      },
      { scenario: 'scale-out', metric: 'p99 ms, 3 vs 1 (nginx)', service: three.p99, ceiling: one.p99 },
      {
        scenario: 'scale-out',
        metric: 'app CPU cores, 3 vs 1 (nginx)',
        service: cores(three.cpu.app, three.cpu),
        ceiling: cores(one.cpu.app, one.cpu),
        note:
          `all instances, user+sys; ms/hold ${c(three.msPerHold.app)} vs ${c(one.msPerHold.app)} ` +
          `(direct ${c(direct.msPerHold.app)})`,
      },
      {
        scenario: 'scale-out',
        metric: 'PostgreSQL CPU cores, 3 vs 1',
        service: cores(three.cpu.postgres, three.cpu),
        ceiling: cores(one.cpu.postgres, one.cpu),
        note:
          `its backends on the bench DB; ms/hold ${c(three.msPerHold.postgres)} vs ` +
          `${c(one.msPerHold.postgres)} (direct ${c(direct.msPerHold.postgres)})`,
      },
      {
        scenario: 'scale-out',
        metric: 'holds per hold statement, 3 vs 1',
        service: three.holdsPerStatement,
        ceiling: one.holdsPerStatement,
        note:
          `HoldBatcher batches (checkout_hold_batch_size); statements/s ${three.statementsPerSec.toFixed(0)} vs ` +
          `${one.statementsPerSec.toFixed(0)}; direct ${c(direct.holdsPerStatement)} holds per statement`,
      },
      {
        scenario: 'scale-out',
        metric: 'idle app CPU cores, 3 vs 1',
        service: cores(idle3.app, idle3),
        ceiling: cores(idle1.app, idle1),
        note:
          `${IDLE_SEC} s with no request after each start; PostgreSQL ${c(cores(idle3.postgres, idle3))} ` +
          `vs ${c(cores(idle1.postgres, idle1))}, Kafka mock ${c(cores(idle3.kafka, idle3))} vs ` +
          `${c(cores(idle1.kafka, idle1))} (outbox relay polls, consumer fetches)`,
      },
      {
        scenario: 'scale-out',
        metric: 'machine busy cores, 3 vs 1',
        service: cores(three.cpu.machine, three.cpu),
        ceiling: cores(one.cpu.machine, one.cpu),
        note: `of 2. 3: ${others(three.cpu)}; 1: ${others(one.cpu)}; direct: ${others(direct.cpu)}`,
      },
    ];
  },
};
