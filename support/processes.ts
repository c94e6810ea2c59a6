import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

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

/** A process this test or benchmark started: stopped by its own PID only, output kept for error messages. */
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
