import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { jsonFrom, RawResponse } from '../support/http';
import type { TestApp } from '../support/test-app';
import { createDataSource } from '../../src/database/data-source';
import { AppChild, startAppChild } from '../support/app-child';
import { moneyAndSeatProblems } from '../../support/invariants';
import { until } from '../support/wait';

const PARALLEL = 40;
const PASSWORD = 'correct-horse';

/** The built service with no DATABASE_URL, on `dataDir`, with a newcomer's defaults (demo data, rate limits). */
function startEmbedded(
  dataDir: string,
  options: { mayRefuse?: boolean; port?: number; detached?: boolean; env?: Record<string, string> } = {},
): Promise<AppChild> {
  const env = {
    DATABASE_URL: '',
    // No JWT_SECRET either: the newcomer's start, whose secret lives in the data directory.
    JWT_SECRET: '',
    EMBEDDED_DATA_DIR: dataDir,
    SEED_DEMO_DATA: 'true',
    RATE_LIMIT_ENABLED: 'true',
    ...options.env,
  };
  return startAppChild(env, options);
}

/** The one line a refusal prints, and its exit code. */
async function refusal(child: AppChild): Promise<{ code: number | null; lines: string[] }> {
  await child.proc.exited;
  return { code: child.proc.child.exitCode, lines: child.proc.tail.trim().split('\n') };
}

/**
 * The embedded default is a real PostgreSQL server, so it keeps the guarantees under concurrent users that
 * PGlite's single shared session broke (500s on parallel sign-ups, confirms answering other requests'
 * results), survives restarts and a killed service, and refuses what it cannot safely open.
 */
describe('the embedded PostgreSQL default (node dist/main.js, no DATABASE_URL)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'checkout-embedded-'));
  chmodSync(workDir, 0o755); // mkdtemp's 0700 would shut out the server's own user when we run as root
  const dataDir = join(workDir, 'data');
  let app: AppChild;
  let fans: { username: string; token: string }[] = [];
  const seatIds: number[] = [];
  const statuses: number[] = [];
  const api = () => request(app.url);
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  // Fan i is on a machine of their own (127.0.1.i): the limits per client address stay on, as for a newcomer.
  const asFan = (i: number, method: string, path: string, body?: object, token?: string) =>
    jsonFrom({ url: app.url } as TestApp, `127.0.1.${i + 1}`, method, path, body, token);
  const record = <T extends { status: number }>(res: T): T => (statuses.push(res.status), res);

  beforeAll(async () => {
    app = await startEmbedded(dataDir);
  }, 90_000);
  afterAll(async () => {
    await app?.proc.stop('SIGTERM', 20_000);
    // Only if a test failed between a SIGKILL and the next start: the server PostgreSQL recorded.
    const pidFile = join(dataDir, 'cluster', 'postmaster.pid');
    const pid = existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, 'utf8'), 10) : 0;
    if (pid > 0) {
      process.kill(pid, 'SIGINT');
      await until(async () => !existsProcess(pid), 30_000, 'the orphaned server to stop');
    }
    rmSync(workDir, { recursive: true, force: true });
  }, 60_000);
  afterEach(() => expect(statuses.filter((s) => s >= 500)).toEqual([]));

  it(`takes ${PARALLEL} parallel sign-ups and logins`, async () => {
    const names = Array.from({ length: PARALLEL }, (_, i) => `fan_${i}_${Date.now().toString(36)}`);
    const credentials = names.map((username) => ({ username, password: PASSWORD }));
    const signups = await Promise.all(
      credentials.map((c, i) => asFan(i, 'POST', '/api/auth/signup', c).then(record)),
    );
    expect(signups.map((r) => r.status)).toEqual(names.map(() => 201));
    const logins = await Promise.all(
      credentials.map((c, i) => asFan(i, 'POST', '/api/auth/login', c).then(record)),
    );
    expect(logins.map((r) => r.status)).toEqual(names.map(() => 200));
    fans = logins.map((r, i) => ({
      username: names[i],
      token: (r.body as { accessToken: string }).accessToken,
    }));

    const [concert] = (await api().get('/api/concerts')).body as { id: number }[];
    for (const option of (await api().get(`/api/concerts/${concert.id}/options`)).body as { id: number }[]) {
      const seats = (await api().get(`/api/concerts/options/${option.id}/seats`)).body as { id: number }[];
      seatIds.push(...seats.map((s) => s.id));
    }
    expect(seatIds.length).toBeGreaterThan(PARALLEL);
  }, 60_000);

  it(`${PARALLEL} users racing for one seat: exactly one winner, ${PARALLEL - 1} × 409`, async () => {
    const seatId = seatIds.shift()!;
    const holds = await Promise.all(
      fans.map((fan, i) =>
        asFan(i, 'POST', '/api/reservations/v7/holds', { seatId }, fan.token).then(record),
      ),
    );
    expect(holds.filter((h) => h.status === 201)).toHaveLength(1);
    const losers = holds
      .filter((h) => h.status !== 201)
      .map((h) => `${h.status} ${(h.body as { errorCode: string }).errorCode}`);
    expect(losers).toEqual(Array(PARALLEL - 1).fill('409 SEAT_NOT_AVAILABLE'));
  }, 60_000);

  it(`${PARALLEL} parallel hold → paying → confirm → refund on distinct seats balance the ledger`, async () => {
    const tickets = await Promise.all(
      fans.map(async (fan, i) => {
        const base = '/api/reservations/v7';
        const held = record(await asFan(i, 'POST', `${base}/holds`, { seatId: seatIds[i] }, fan.token));
        const id = (held.body as { id: number }).id;
        const steps = [];
        for (const step of ['paying', 'confirm', 'refund']) {
          steps.push(record(await asFan(i, 'POST', `${base}/${id}/${step}`, undefined, fan.token)));
        }
        const shown = (s: RawResponse) => s.body as { id: number; status: string };
        return { id, held: held.status, steps: steps.map((s) => [s.status, shown(s).id, shown(s).status]) };
      }),
    );
    for (const { id, held, steps } of tickets) {
      expect(held).toBe(201);
      expect(steps).toEqual([
        [200, id, 'PAYING'],
        [200, id, 'CONFIRMED'],
        [200, id, 'REFUNDED'],
      ]);
    }
    // The embedded server, reached as the service reaches it (its password file, its port).
    const password = readFileSync(join(dataDir, 'password'), 'utf8').trim();
    const port = /on 127\.0\.0\.1:(\d+)/.exec(app.proc.tail)![1];
    const db = createDataSource(`postgres://postgres:${password}@127.0.0.1:${port}/checkout`, 2);
    await db.initialize();
    try {
      expect(await moneyAndSeatProblems(db)).toEqual([]);
      const rows: { n: number }[] = await db.query(
        `SELECT count(*)::int AS n FROM payment_transactions
          WHERE reservation_id = ANY($1) AND status = 'SUCCESS' GROUP BY reservation_id`,
        [tickets.map((t) => t.id)],
      );
      expect(rows.map((r) => r.n)).toEqual(tickets.map(() => 2)); // one PAYMENT and one REFUND each
    } finally {
      await db.destroy();
    }
  }, 90_000);

  it('a restart (SIGTERM, start again) keeps every committed row, and the tokens issued before it', async () => {
    const before = await api().get('/api/reservations/v7/me').set(as(fans[0].token));
    await app.proc.stop('SIGTERM', 20_000);
    expect(app.proc.child.exitCode).toBe(0);
    app = await startEmbedded(dataDir);
    // The signing secret is kept beside the database password, readable by the service's user only.
    expect(statSync(join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    const sameToken = await api().get('/api/reservations/v7/me').set(as(fans[0].token));
    expect({ status: sameToken.status, body: sameToken.body }).toEqual({ status: 200, body: before.body });
    const login = await api()
      .post('/api/auth/login')
      .send({ username: fans[0].username, password: PASSWORD });
    expect(login.status).toBe(200);
    const after = await api().get('/api/reservations/v7/me').set(as(login.body.accessToken));
    expect(after.body).toEqual(before.body);
  }, 90_000);

  it('after a SIGKILL of the service alone, the next start stops its orphaned server and has every row', async () => {
    const fan = fans[1];
    const seatId = seatIds[PARALLEL];
    const held = record(await api().post('/api/reservations/v7/holds').set(as(fan.token)).send({ seatId }));
    expect(held.status).toBe(201);
    await app.proc.stop('SIGKILL');

    const started = Date.now();
    app = await startEmbedded(dataDir);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(app.proc.tail).toContain('stopped the embedded PostgreSQL left running by a killed service');
    const again = await api().get(`/api/reservations/v7/${held.body.id}`).set(as(fan.token));
    expect(again.body).toMatchObject({ id: held.body.id, status: 'HOLD', seatId });
  }, 90_000);

  it('a second service on the same data directory stops with one clear line', async () => {
    expect(await refusal(await startEmbedded(dataDir, { mayRefuse: true }))).toEqual({
      code: 1,
      lines: [
        `cannot start: another checkout service (PID ${app.proc.child.pid}) is using ${dataDir}: ` +
          'stop it first, or give this one its own EMBEDDED_DATA_DIR',
      ],
    });
    expect((await api().get('/health/ready')).status).toBe(200); // the first one is unharmed
  }, 60_000);

  it('a data directory written by the old PGlite default is refused with one line, never mixed', async () => {
    const old = join(workDir, 'pglite');
    mkdirSync(join(old, 'base'), { recursive: true });
    writeFileSync(join(old, 'PG_VERSION'), '17\n'); // PGlite keeps its cluster at the top of the folder
    expect(await refusal(await startEmbedded(old, { mayRefuse: true }))).toEqual({
      code: 1,
      lines: [
        `cannot start: ${old} holds a database written by the old PGlite default, which the embedded ` +
          `PostgreSQL 18 cannot open: move it away or delete it (rm -rf ${old}) and start again, ` +
          'or set EMBEDDED_DATA_DIR',
      ],
    });
    expect(readFileSync(join(old, 'PG_VERSION'), 'utf8')).toBe('17\n');
  }, 60_000);

  it('a later start on a non-loopback HOST refuses while the demo logins keep their default passwords', async () => {
    await app.proc.stop('SIGTERM', 20_000);
    // An earlier loopback start seeded them into this directory; this start seeds nothing (not loopback).
    const exposed = await startEmbedded(dataDir, {
      mayRefuse: true,
      env: { HOST: '0.0.0.0', SEED_DEMO_DATA: 'false' },
    });
    try {
      const { code, lines } = await refusal(exposed);
      expect(code).toBe(1);
      const refusals = lines.filter((l) => l.startsWith('cannot start'));
      expect(refusals).toHaveLength(1);
      // Every demo login that still has its default password, and how to get past it.
      expect(refusals[0]).toMatch(/logins demo, gold, admin have published demo passwords/);
      expect(refusals[0]).toContain('ADMIN_PASSWORD');
      expect(refusals[0]).toContain('ALLOW_DEMO_CREDENTIALS=true');
      expect(lines.at(-1)).toBe(refusals[0]);
      expect(exposed.proc.tail).not.toMatch(/^\s+at /m);
      expect(exposed.proc.tail).not.toContain('FATAL'); // it stopped before anything used the database
      // It stopped the server it had started.
      expect(existsSync(join(dataDir, 'cluster', 'postmaster.pid'))).toBe(false);
    } finally {
      await exposed.proc.stop('SIGKILL');
    }
  }, 90_000);

  it('a busy port: one line, a failed exit, and the embedded server it started is stopped', async () => {
    await app.proc.stop('SIGTERM', 20_000);
    const occupied = await listenOnFreePort();
    const port = (occupied.address() as { port: number }).port;
    try {
      const { code, lines } = await refusal(await startEmbedded(dataDir, { mayRefuse: true, port }));
      expect(code).toBe(1);
      expect(lines.filter((l) => /EADDRINUSE|in use/.test(l))).toEqual([
        `cannot start: port ${port} on 127.0.0.1 is already in use: stop what holds it or set PORT`,
      ]);
      expect(lines.at(-1)).toContain('cannot start');
      expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([]);
      expect(existsSync(join(dataDir, 'cluster', 'postmaster.pid'))).toBe(false);
    } finally {
      await new Promise((resolve) => occupied.close(resolve));
    }
  }, 90_000);

  it('Ctrl-C (SIGINT to the whole foreground process group) drains and exits 0, the server untouched until last', async () => {
    await app.proc.stop('SIGTERM', 20_000);
    app = await startEmbedded(dataDir, { detached: true });
    // Requests that leave connections open in the pool, then more in flight when the signal arrives.
    const load = () => Promise.all(Array.from({ length: 10 }, () => api().get('/api/concerts')));
    expect((await load()).map((r) => r.status)).toEqual(Array(10).fill(200));
    const inFlight = load().catch(() => []); // the listener closes at once: late ones are refused
    process.kill(-app.proc.child.pid!, 'SIGINT'); // what the terminal does on Ctrl-C: the group, not one PID
    const answers = await inFlight;
    await app.proc.exited;
    expect(app.proc.child.exitCode).toBe(0);
    expect(app.proc.tail).not.toMatch(/FATAL|terminating connection/);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(existsSync(join(dataDir, 'cluster', 'postmaster.pid'))).toBe(false);
  }, 90_000);
});

function listenOnFreePort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy()); // the service's readiness probe gets no answer
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function existsProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
