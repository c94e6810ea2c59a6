import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/database/data-source';
import { freePort, OwnedProcess } from '../support/child-process';
import { until } from '../support/wait';
import { moneyAndSeatProblems } from '../support/invariants';

const ROOT = resolve(__dirname, '../..');
const PARALLEL = 40;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
type Json = Record<string, any>;

/** The built service (`node dist/main.js`, as `npm start` runs it) with no DATABASE_URL: the embedded default. */
class EmbeddedService {
  proc!: OwnedProcess;
  base!: string;

  constructor(readonly dataDir: string) {}

  /** Starts the process; resolves once it listens, or with its exit when it refuses to start. */
  async start(port?: number): Promise<this> {
    const listenOn = port ?? (await freePort());
    this.base = `http://127.0.0.1:${listenOn}`;
    this.proc = OwnedProcess.start(process.execPath, ['dist/main.js'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        PORT: String(listenOn),
        EMBEDDED_DATA_DIR: this.dataDir,
        JWT_SECRET: 'embedded-spec-secret-long-enough',
        LOG_LEVEL: 'warn',
      },
    });
    await until(
      async () => !this.proc.running || (await fetch(`${this.base}/health/ready`)).ok,
      60_000,
      'the embedded service to be ready',
    );
    return this;
  }

  /** The embedded server, reached as the service reaches it (its password file, its port). */
  dataSource(): DataSource {
    const password = readFileSync(join(this.dataDir, 'password'), 'utf8').trim();
    const port = /on 127\.0\.0\.1:(\d+)/.exec(this.proc.tail)![1];
    return createDataSource(`postgres://postgres:${password}@127.0.0.1:${port}/checkout`, 2);
  }

  /** Stops a server that a killed service left running, by the PID PostgreSQL recorded for it. */
  async stopOrphanedServer(): Promise<void> {
    const pid = Number.parseInt(readFileOr(join(this.dataDir, 'cluster', 'postmaster.pid')), 10);
    if (!(pid > 0)) return;
    try {
      process.kill(pid, 'SIGINT');
      await until(async () => !isAlive(pid), 30_000, 'the orphaned server to stop');
    } catch {
      // already gone
    }
  }

  async call(method: string, path: string, token?: string, body?: unknown) {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as Json };
  }
}

function readFileOr(file: string, fallback = ''): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Fan {
  username: string;
  token: string;
}

/**
 * The embedded default is a real PostgreSQL server, so it keeps the guarantees under concurrent users that
 * PGlite's single shared session broke (500s on parallel sign-ups, confirms answering other requests'
 * results), survives restarts and a killed service, and refuses what it cannot safely open.
 */
describe('the embedded PostgreSQL default (node dist/main.js, no DATABASE_URL)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'checkout-embedded-'));
  chmodSync(workDir, 0o755); // mkdtemp's 0700 would shut out the server's own user when we run as root
  const service = new EmbeddedService(join(workDir, 'data'));
  let fans: Fan[] = [];
  const seatIds: number[] = [];
  const outcomes: number[] = [];

  beforeAll(async () => {
    await service.start();
    expect(service.proc.running || service.proc.tail).toBe(true);
  }, 90_000);
  afterAll(async () => {
    await service.proc?.stop('SIGTERM', 20_000);
    await service.stopOrphanedServer(); // only if a test failed between a SIGKILL and the next start
    rmSync(workDir, { recursive: true, force: true });
  }, 60_000);
  afterEach(() => expect(outcomes.filter((s) => s >= 500)).toEqual([]));

  const record = <T extends { status: number }>(r: T): T => {
    outcomes.push(r.status);
    return r;
  };

  it(`takes ${PARALLEL} parallel sign-ups and logins`, async () => {
    const names = Array.from({ length: PARALLEL }, (_, i) => `fan_${i}_${Date.now().toString(36)}`);
    const signups = await Promise.all(
      names.map((username) =>
        service
          .call('POST', '/api/auth/signup', undefined, { username, password: 'correct-horse' })
          .then(record),
      ),
    );
    expect(signups.map((r) => r.status)).toEqual(names.map(() => 201));
    const logins = await Promise.all(
      names.map((username) =>
        service
          .call('POST', '/api/auth/login', undefined, { username, password: 'correct-horse' })
          .then(record),
      ),
    );
    expect(logins.map((r) => r.status)).toEqual(names.map(() => 200));
    fans = logins.map((r, i) => ({ username: names[i], token: r.body.accessToken as string }));

    const concerts = await service.call('GET', '/api/concerts');
    const options = await service.call('GET', `/api/concerts/${concerts.body[0].id}/options`);
    for (const option of options.body as unknown as { id: number }[]) {
      const seats = await service.call('GET', `/api/concerts/options/${option.id}/seats`);
      seatIds.push(...(seats.body as unknown as { id: number }[]).map((s) => s.id));
    }
    expect(seatIds.length).toBeGreaterThan(PARALLEL);
  }, 60_000);

  it(`${PARALLEL} users racing for one seat: exactly one winner, ${PARALLEL - 1} × 409`, async () => {
    const seatId = seatIds.shift()!;
    const holds = await Promise.all(
      fans.map((fan) =>
        service.call('POST', '/api/reservations/v7/holds', fan.token, { seatId }).then(record),
      ),
    );
    expect(holds.filter((h) => h.status === 201)).toHaveLength(1);
    const losers = holds.filter((h) => h.status !== 201);
    expect(losers.map((h) => `${h.status} ${h.body.errorCode}`)).toEqual(
      Array(PARALLEL - 1).fill('409 SEAT_NOT_AVAILABLE'),
    );
  }, 60_000);

  it(`${PARALLEL} parallel hold → paying → confirm → refund on distinct seats balance the ledger`, async () => {
    const tickets = await Promise.all(
      fans.map(async (fan, i) => {
        const held = record(
          await service.call('POST', '/api/reservations/v7/holds', fan.token, { seatId: seatIds[i] }),
        );
        const id = held.body.id as number;
        const steps = [
          record(await service.call('POST', `/api/reservations/v7/${id}/paying`, fan.token)),
          record(await service.call('POST', `/api/reservations/v7/${id}/confirm`, fan.token, {})),
          record(await service.call('POST', `/api/reservations/v7/${id}/refund`, fan.token)),
        ];
        return { id, held, steps };
      }),
    );
    for (const { id, held, steps } of tickets) {
      expect(held.status).toBe(201);
      expect(steps.map((s) => [s.status, s.body.id, s.body.status])).toEqual([
        [200, id, 'PAYING'],
        [200, id, 'CONFIRMED'],
        [200, id, 'REFUNDED'],
      ]);
    }
    const db = service.dataSource();
    await db.initialize();
    try {
      expect(await moneyAndSeatProblems(db)).toEqual([]);
      const rows: { id: number; n: number }[] = await db.query(
        `SELECT reservation_id AS id, count(*)::int AS n FROM payment_transactions
          WHERE reservation_id = ANY($1) AND status = 'SUCCESS' GROUP BY 1`,
        [tickets.map((t) => t.id)],
      );
      expect(rows.map((r) => r.n)).toEqual(tickets.map(() => 2)); // one PAYMENT and one REFUND each
    } finally {
      await db.destroy();
    }
  }, 90_000);

  it('a restart (SIGTERM, start again) keeps every committed row', async () => {
    const before = await service.call('GET', '/api/reservations/v7/me', fans[0].token);
    await service.proc.stop('SIGTERM', 20_000);
    expect(service.proc.child.exitCode).toBe(0);
    await service.start();
    const login = await service.call('POST', '/api/auth/login', undefined, {
      username: fans[0].username,
      password: 'correct-horse',
    });
    expect(login.status).toBe(200);
    const after = await service.call('GET', '/api/reservations/v7/me', login.body.accessToken);
    expect(after.body).toEqual(before.body);
  }, 90_000);

  it('after a SIGKILL of the service alone, the next start stops its orphaned server and has every row', async () => {
    const fan = fans[1];
    const held = record(
      await service.call('POST', '/api/reservations/v7/holds', fan.token, { seatId: seatIds[PARALLEL] }),
    );
    expect(held.status).toBe(201);
    await service.proc.stop('SIGKILL');

    const started = Date.now();
    await service.start();
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(service.proc.tail).toContain('stopped the embedded PostgreSQL left running by a killed service');
    const again = await service.call('GET', `/api/reservations/v7/${held.body.id}`, fan.token);
    expect(again.body).toMatchObject({ id: held.body.id, status: 'HOLD', seatId: seatIds[PARALLEL] });
  }, 90_000);

  it('a second service on the same data directory stops with one clear line', async () => {
    const second = await new EmbeddedService(service.dataDir).start();
    await second.proc.exited;
    expect(second.proc.child.exitCode).toBe(1);
    const lines = second.proc.tail.trim().split('\n');
    expect(lines).toEqual([
      `cannot start: another checkout service (PID ${service.proc.child.pid}) is using ${service.dataDir}: ` +
        'stop it first, or give this one its own EMBEDDED_DATA_DIR',
    ]);
    expect((await service.call('GET', '/health/ready')).status).toBe(200); // the first one is unharmed
  }, 60_000);

  it('a data directory written by the old PGlite default is refused with one line, never mixed', async () => {
    const old = join(workDir, 'pglite');
    mkdirSync(join(old, 'base'), { recursive: true });
    writeFileSync(join(old, 'PG_VERSION'), '17\n'); // PGlite keeps its cluster at the top of the folder
    const refused = await new EmbeddedService(old).start();
    await refused.proc.exited;
    expect(refused.proc.child.exitCode).toBe(1);
    expect(refused.proc.tail.trim().split('\n')).toEqual([
      `cannot start: ${old} holds a database written by the old PGlite default, which the embedded ` +
        `PostgreSQL 18 cannot open: move it away or delete it (rm -rf ${old}) and start again, ` +
        'or set EMBEDDED_DATA_DIR',
    ]);
    expect(readFileSync(join(old, 'PG_VERSION'), 'utf8')).toBe('17\n');
  }, 60_000);
});
