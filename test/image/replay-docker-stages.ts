/**
 * `npm run check:image` (a step of .ci/run): builds the Docker image's stages without Docker. Each stage
 * gets an empty folder that receives exactly what its COPY lines name (parsed from the Dockerfile, so a
 * file the Dockerfile forgets is missing here too); its npm/node RUN commands run there; then the last
 * stage's CMD starts against a throwaway database of the local PostgreSQL, must answer /health/ready,
 * and must exit 0 on SIGTERM. Exits 1 with the failing step's output otherwise. Bounded: each command
 * shares one deadline and every process is stopped by its PID.
 */
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort, OwnedProcess } from '../../support/processes';
import { DockerStage, parseDockerStages, resolvePosix, StageStep } from '../support/dockerfile-stages';
import { ADMIN_DATABASE_URL, TEST_DATABASE } from '../support/test-env';
import { until } from '../support/wait';

const CONTEXT = join(__dirname, '..', '..');
/** The whole check, every npm command included, ends by then (it takes about 2 minutes on 2 busy cores). */
const CHECK_TIMEOUT_MS = 15 * 60_000;
const READY_TIMEOUT_MS = 60_000;
/** Only these RUN commands are replayed; the rest (chown, apt-get, …) shape the image, not the build. */
const REPLAYED = /^(npm|node)\s/;

const started = Date.now();
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const dockerfile = resolve(CONTEXT, process.argv[2] ?? 'Dockerfile'); // another one: to show a failure
  const stages = parseDockerStages(readFileSync(dockerfile, 'utf8'));
  const work = mkdtempSync(join(scratchRoot(), 'checkout-image-'));
  const database = `${TEST_DATABASE}_image`;
  try {
    const seeding = Date.now();
    const npmCache = seedNpmCache(work);
    console.log(`working in ${work}; npm cache copied in ${seconds(seeding)}`);
    const folders = new Map<string, string>();
    for (const stage of stages) {
      const folder = join(work, stage.name);
      mkdirSync(folder);
      folders.set(stage.name, folder);
      console.log(`== stage ${stage.name} (${stage.image})`);
      for (const step of stage.steps) await replay(step, stage, folder, stages, folders, npmCache);
    }
    const runtime = stages[stages.length - 1];
    await startCmd(runtime, folders.get(runtime.name)!, database);
  } finally {
    const cleaning = Date.now();
    rmSync(work, { recursive: true, force: true });
    console.log(`temporary folder removed in ${seconds(cleaning)}`);
    const dropping = Date.now();
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    console.log(`database ${database} dropped in ${seconds(dropping)}`);
  }
  console.log(`image check passed in ${seconds(started)}`);
}

/**
 * Where the ~1 GB of stage folders go: memory (/dev/shm) when it has room, since writing and then
 * deleting two node_modules on a disk that parallel test runs keep busy took minutes; else the temp dir.
 */
function scratchRoot(): string {
  const shm = '/dev/shm';
  const free = existsSync(shm) ? statfsSync(shm) : null;
  return free && free.bavail * free.bsize > 4 * 1024 ** 3 ? shm : tmpdir();
}

/**
 * A private npm cache, seeded from the user's so that npm ci reads tarballs locally instead of
 * downloading them again: the runtime stage's `npm cache clean --force` must not wipe the real one.
 */
function seedNpmCache(work: string): string {
  const cache = join(work, 'npm-cache');
  const userCache = join(process.env.npm_config_cache ?? join(homedir(), '.npm'), '_cacache');
  if (existsSync(userCache)) cpSync(userCache, join(cache, '_cacache'), { recursive: true });
  return cache;
}

async function replay(
  step: StageStep,
  stage: DockerStage,
  folder: string,
  stages: DockerStage[],
  folders: Map<string, string>,
  npmCache: string,
): Promise<void> {
  if (step.kind === 'copy') {
    const source = step.from ? stages.find((s) => s.name === step.from) : undefined;
    if (step.from && !source) throw new Error(`COPY --from=${step.from}: no such stage`);
    const root = source ? folders.get(source.name)! : CONTEXT;
    const dest = inFolder(folder, stage.workdir, step.dest);
    for (const path of step.sources) {
      const from = source ? inFolder(root, source.workdir, path) : join(root, path);
      if (relative(root, from).startsWith('..')) throw new Error(`COPY ${path}: outside the build context`);
      if (!existsSync(from)) throw new Error(`COPY ${path}: not found`);
      // Docker's rules: a folder's contents go into dest; files go into dest/ when dest ends with / or
      // several sources are named, else they become dest.
      const intoFolder = statSync(from).isDirectory() || step.dest.endsWith('/') || step.sources.length > 1;
      const target = statSync(from).isDirectory() || !intoFolder ? dest : join(dest, basename(from));
      cpSync(from, target, { recursive: true });
    }
    console.log(`   COPY ${step.from ? `--from=${step.from} ` : ''}${step.sources.join(' ')} ${step.dest}`);
    return;
  }
  for (const command of step.command.split('&&').map((c) => c.trim())) {
    if (!REPLAYED.test(command) || /[|;<>$`'"\\]/.test(command)) {
      console.log(`   RUN ${command}: not replayed (shapes the image, not the build)`);
      continue;
    }
    const since = Date.now();
    const [bin, ...args] = command.split(/\s+/);
    const env = {
      ...machineEnv(),
      HOME: homedir(),
      npm_config_cache: npmCache,
      npm_config_prefer_offline: 'true',
    };
    await runToEnd(bin, args, join(folder, relative('/', stage.workdir)), { ...env, ...stage.env });
    console.log(`   RUN ${command} (${seconds(since)})`);
  }
}

/**
 * What a command gets from this machine: PATH and the network settings (proxy, extra CA) that npm
 * needs to reach the registry from here; not the caller's NODE_ENV, npm_config_* or secrets.
 */
function machineEnv(): NodeJS.ProcessEnv {
  const network = /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|HTTPS?_PROXY|NO_PROXY)$/i;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const [name, value] of Object.entries(process.env)) if (network.test(name)) env[name] = value;
  return env;
}

/** `path` (absolute, or relative to `workdir`) inside the image, as a path inside the stage's folder. */
function inFolder(folder: string, workdir: string, path: string): string {
  return join(folder, relative('/', resolvePosix(workdir, path)));
}

async function runToEnd(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  mkdirSync(cwd, { recursive: true });
  const proc = OwnedProcess.start(bin, args, { cwd, env });
  try {
    const left = Math.max(1000, started + CHECK_TIMEOUT_MS - Date.now());
    await until(async () => !proc.running, left, `${bin} ${args.join(' ')}`);
  } finally {
    await proc.stop('SIGTERM');
  }
  if (proc.child.exitCode !== 0) {
    throw new Error(`${bin} ${args.join(' ')} exited with ${proc.child.exitCode}:\n${proc.tail}`);
  }
}

/** The runtime stage's CMD, as the container starts it, on loopback and a database of its own. */
async function startCmd(stage: DockerStage, folder: string, database: string): Promise<void> {
  if (!stage.cmd) throw new Error(`stage ${stage.name} has no CMD`);
  await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${database}`);
  const port = await freePort();
  const since = Date.now();
  const [bin, ...args] = stage.cmd;
  const proc = OwnedProcess.start(bin === 'node' ? process.execPath : bin, args, {
    cwd: join(folder, relative('/', stage.workdir)),
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...stage.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: new URL(database, ADMIN_DATABASE_URL).href,
      JWT_SECRET: randomBytes(24).toString('hex'),
      ADMIN_PASSWORD: randomBytes(12).toString('hex'),
      LOG_LEVEL: 'warn',
    },
  });
  try {
    const ready = `http://127.0.0.1:${port}/health/ready`;
    await until(async () => !proc.running || (await fetch(ready)).ok, READY_TIMEOUT_MS, ready);
    if (!proc.running) throw new Error(`CMD exited during start-up:\n${proc.tail}`);
    console.log(`   CMD ${stage.cmd.join(' ')}: ready in ${seconds(since)}`);
    await proc.stop('SIGTERM', 20_000);
    if (proc.child.exitCode !== 0)
      throw new Error(`CMD exited with ${proc.child.exitCode} on SIGTERM:\n${proc.tail}`);
    console.log('   SIGTERM: exited 0');
  } finally {
    await proc.stop('SIGKILL');
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

main().catch((err: unknown) => {
  console.error(
    `image check FAILED after ${seconds(started)}: ${err instanceof Error ? err.message : String(err)}`,
  );
  process.exitCode = 1;
});
