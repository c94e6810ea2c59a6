import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/child-process';

/**
 * The real entry point (src/main.ts) as an operator starts it: a child process with only the
 * environment given here, no test harness in between.
 */
const ROOT = resolve(__dirname, '../..');
const ENTRY = ['-r', 'ts-node/register/transpile-only', 'src/main.ts'];

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with how the process ended, or rejects after `ms`. */
  exited: (ms: number) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

function start(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ENTRY, {
    cwd: ROOT,
    // A clean environment: nothing from the developer's shell or the jest process leaks in.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    if (child.exitCode !== null || child.signalCode !== null)
      res({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => res({ code, signal }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: (ms) =>
      new Promise((res, rej) => {
        const timer = setTimeout(
          () => rej(new Error(`process did not exit within ${ms} ms\nstdout:\n${out}\nstderr:\n${err}`)),
          ms,
        );
        void exit.then((v) => {
          clearTimeout(timer);
          res(v);
        });
      }),
  };
}

/** Stops a child by its PID (never by name); SIGKILL if it is still alive. */
function killByPid(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function waitForLive(base: string, proc: Started, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`service exited early (${proc.child.exitCode})\n${proc.stdout()}\n${proc.stderr()}`);
    }
    try {
      const res = await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`/health/live not 200 within ${timeoutMs} ms\n${proc.stdout()}\n${proc.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.json() };
}

describe('startup of the real entry point', () => {
  const dirs: string[] = [];

  afterAll(() => {
    children.forEach(killByPid);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('stops with one clear line per configuration problem and no stack trace', async () => {
    const proc = start({ PAYMENT_PROVIDER: 'paypal', HOLD_TTL_SECONDS: 'abc' });
    const { code } = await proc.exited(30_000);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const stderr = proc.stderr();
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines.filter((l) => l.includes('PAYMENT_PROVIDER'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('HOLD_TTL_SECONDS'))).toHaveLength(1);
    expect(lines.find((l) => l.includes('PAYMENT_PROVIDER'))).toContain('paypal');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toMatch(/Error:|\.ts:\d+/);
    // Nothing else but the problem report: no port was opened, no database was touched.
    expect(proc.stdout()).not.toContain('listening');
  }, 40_000);

  it('serves demo data from an embedded database by default and stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'checkout-embedded-'));
    dirs.push(dataDir);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const proc = start({ EMBEDDED_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' });
    try {
      await waitForLive(base, proc, 60_000);

      const concerts = await getJson(`${base}/api/concerts`);
      expect(concerts.status).toBe(200);
      const list = concerts.body as { id: number; title: string; totalSeatCount: number }[];
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ title: 'Demo Concert', totalSeatCount: 100, availableSeatCount: 100 });

      const options = await getJson(`${base}/api/concerts/${list[0].id}/options`);
      expect(options.status).toBe(200);
      const opts = options.body as { id: number; concertId: number; totalSeatCount: number }[];
      expect(opts.length).toBeGreaterThanOrEqual(1);
      expect(opts[0].concertId).toBe(list[0].id);

      const seats = await getJson(`${base}/api/concerts/options/${opts[0].id}/seats`);
      expect(seats.status).toBe(200);
      const seatList = seats.body as { seatNumber: string; status: string }[];
      expect(seatList).toHaveLength(opts[0].totalSeatCount);
      expect(seatList.every((s) => s.status === 'AVAILABLE')).toBe(true);
      expect(seatList[0].seatNumber).toBe('A-1');

      const login = await getJson(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'demo', password: 'demo-password' }),
      });
      expect(login.status).toBe(200);
      expect(login.body).toMatchObject({ tokenType: 'Bearer', user: { username: 'demo', role: 'USER' } });

      // Concurrent holds on the embedded database: its connections share one PostgreSQL session, where
      // per-connection named prepared statements would collide (500s); the demo user may hold 4 seats.
      const token = (login.body as { accessToken: string }).accessToken;
      const holds = await Promise.all(
        (seats.body as { id: number }[]).slice(0, 12).map((seat) =>
          getJson(`${base}/api/reservations/v7/holds`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ seatId: seat.id }),
          }),
        ),
      );
      const statuses = holds.map((h) => h.status).sort();
      expect(statuses).toEqual([...Array(4).fill(201), ...Array(8).fill(409)]);

      process.kill(proc.child.pid!, 'SIGTERM');
      const { code, signal } = await proc.exited(20_000);
      // Nest's shutdown hook closes the app, then re-raises the signal; a clean exit(0) is fine too.
      expect(code === 0 || signal === 'SIGTERM').toBe(true);
      expect(proc.stderr()).not.toMatch(/^\s+at /m);
    } finally {
      killByPid(proc.child);
    }
  }, 90_000);
});
