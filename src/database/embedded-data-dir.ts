import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A problem with the embedded database that the operator must fix; main.ts prints it as one line. */
export class EmbeddedDatabaseError extends Error {}

/**
 * What EMBEDDED_DATA_DIR holds:
 *   cluster/      the PostgreSQL data directory (initdb'd on first start; owned by the server's user)
 *   password      the server's password, random, made on first start (mode 0600, read only by the service)
 *   jwt-secret    the key that signs tokens when JWT_SECRET is unset (mode 0600): kept, so a restart does
 *                 not log everyone out; a new data directory makes a new one
 *   service.pid   the PID of the service using the directory (a second one refuses to start)
 */
export class EmbeddedDataDir {
  readonly root: string;
  readonly cluster: string;
  private readonly passwordFile: string;
  private readonly jwtSecretFile: string;
  private readonly lockFile: string;

  constructor(dataDir: string) {
    this.root = resolve(dataDir);
    this.cluster = join(this.root, 'cluster');
    this.passwordFile = join(this.root, 'password');
    this.jwtSecretFile = join(this.root, 'jwt-secret');
    this.lockFile = join(this.root, 'service.pid');
  }

  get initialised(): boolean {
    return existsSync(join(this.cluster, 'PG_VERSION'));
  }

  /** Creates the directory, refuses one written by the old PGlite default, and takes the service lock. */
  open(): void {
    mkdirSync(this.root, { recursive: true });
    if (existsSync(join(this.root, 'PG_VERSION'))) {
      throw new EmbeddedDatabaseError(
        `${this.root} holds a database written by the old PGlite default, which the embedded PostgreSQL 18 ` +
          `cannot open: move it away or delete it (rm -rf ${this.root}) and start again, or set EMBEDDED_DATA_DIR`,
      );
    }
    this.lock();
  }

  /**
   * One service per directory. The lock is a PID file: a live PID that is not ours means another service;
   * a dead one was left by a crash and is taken over. PostgreSQL's own postmaster.pid backs this up if two
   * services race past it.
   */
  private lock(): void {
    const [holder, started] = readFileOr(this.lockFile, '').split(/\s+/);
    const pid = Number(holder);
    const sameProcess = isAlive(pid) && (!started || started === startTime(pid));
    if (pid !== process.pid && sameProcess) {
      throw new EmbeddedDatabaseError(
        `another checkout service (PID ${pid}) is using ${this.root}: stop it first, ` +
          `or give this one its own EMBEDDED_DATA_DIR`,
      );
    }
    writeFileSync(this.lockFile, `${process.pid} ${startTime(process.pid) ?? ''}\n`);
  }

  /** Releases the lock if it is still ours (called after the server has stopped). */
  unlock(): void {
    if (readPid(this.lockFile) === process.pid) rmSync(this.lockFile, { force: true });
  }

  /** The server's password, made once per data directory and readable only by the service's user. */
  password(): string {
    return secretIn(this.passwordFile, 24);
  }

  /** The token-signing secret of a service without JWT_SECRET, made once per data directory, like password(). */
  jwtSecret(): string {
    return secretIn(this.jwtSecretFile, 32);
  }

  /**
   * A service killed with SIGKILL leaves its server running (PostgreSQL does not watch its parent), or a
   * postmaster.pid that names a dead or reused PID. The first is stopped with a fast shutdown (committed
   * work is on disk; the next start replays the WAL if needed); the second is removed, since only a
   * postgres process serving this very directory may hold it.
   */
  async stopOrphanedServer(timeoutMs = 30_000): Promise<'none' | 'stopped' | 'stale-pid-file'> {
    const pid = this.serverPid();
    if (pid === undefined) return 'none';
    if (!this.isOurServer(pid)) {
      rmSync(join(this.cluster, 'postmaster.pid'), { force: true });
      return 'stale-pid-file';
    }
    process.kill(pid, 'SIGINT');
    const deadline = Date.now() + timeoutMs;
    while (isAlive(pid)) {
      if (Date.now() > deadline) process.kill(pid, 'SIGQUIT'); // immediate shutdown; WAL replay at start
      await sleep(50);
    }
    return 'stopped';
  }

  /** The postmaster's PID as PostgreSQL recorded it (postmaster.pid), if the file exists. */
  private serverPid(): number | undefined {
    return readPid(join(this.cluster, 'postmaster.pid'));
  }

  /** Whether `pid` is a live postgres serving this cluster (its command line names the directory). */
  private isOurServer(pid: number): boolean {
    if (!isAlive(pid)) return false;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.some((a) => a.endsWith('postgres')) && argv.includes(this.cluster);
    } catch {
      return false;
    }
  }

  /**
   * When the service runs as root, the server runs as an unprivileged user that must be able to reach the
   * cluster: every parent directory must be searchable by it (a checkout under /root, mode 0700, is not).
   */
  assertReachableBy(uid: number, gid: number): void {
    for (let dir = this.root; ; dir = dirname(dir)) {
      const { mode, uid: owner, gid: group } = statSync(dir);
      const searchable = (owner === uid && mode & 0o100) || (group === gid && mode & 0o010) || mode & 0o001;
      if (!searchable) {
        throw new EmbeddedDatabaseError(
          `the embedded PostgreSQL runs as the system user "postgres" (PostgreSQL refuses root) and cannot ` +
            `reach ${this.root} because ${dir} is closed to it: set EMBEDDED_DATA_DIR to a directory it can ` +
            `reach (for example under /var/lib or /tmp), or run the service as a non-root user`,
        );
      }
      if (dir === dirname(dir)) return;
    }
  }
}

/** A random secret kept in `file` (made on first use, mode 0600: only the service's user reads it). */
function secretIn(file: string, bytes: number): string {
  if (!existsSync(file))
    writeFileSync(file, `${randomBytes(bytes).toString('base64url')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function readFileOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** The first number of a PID file (the lock's, or PostgreSQL's postmaster.pid). */
function readPid(file: string): number | undefined {
  const pid = Number.parseInt(readFileOr(file, ''), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Fields of /proc/<pid>/stat after the command name; undefined without /proc (not Linux). */
function procStat(pid: number): string[] | undefined {
  const stat = readFileOr(`/proc/${pid}/stat`, '');
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : undefined;
}

/** When the process started (clock ticks since boot): tells a reused PID from the process that wrote it. */
function startTime(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/** Alive and not a zombie (an unreaped child of a dead service still answers kill(pid, 0)). */
function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.[0] !== 'Z';
}
