import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { until } from './wait';

/** A free loopback TCP port (bound then released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A process this test started: stopped by its own PID only, output kept for error messages. */
export class OwnedProcess {
  private output = '';
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      if (!this.running) resolve();
      child.once('exit', () => resolve());
    });
    const keep = (d: Buffer) => (this.output = (this.output + d.toString()).slice(-8000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static start(command: string, args: string[], options: SpawnOptions = {}): OwnedProcess {
    return new OwnedProcess(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get tail(): string {
    return this.output;
  }

  /** Sends `signal` to this PID and waits for the exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.running && this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A private redis-server on `port` (no persistence), owned by the test: stopping it stops only it. */
export async function startRedisServer(port: number): Promise<OwnedProcess> {
  const redis = OwnedProcess.start('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ]);
  await until(
    async () => /Ready to accept connections/.test(redis.tail) || !redis.running,
    10_000,
    'redis-server',
  );
  if (!redis.running) throw new Error(`redis-server exited: ${redis.tail}`);
  return redis;
}
