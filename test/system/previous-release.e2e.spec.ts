import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, OwnedProcess } from '../../support/processes';
import { withClient } from '../support/db';
import { dropDatabase, freshDatabase } from '../support/migration-checker';
import { buildRelease, previousReleaseCommit } from '../support/previous-release';
import { TEST_DATABASE, TEST_JWT_SECRET } from '../support/test-env';
import { until } from '../support/wait';
import { createDataSource } from '../../src/database/data-source';
import { runMigrations } from '../../src/database/migrate';

/** A database of its own, migrated by this checkout's migrations (dropped at the end). */
const DATABASE = `${TEST_DATABASE}_previous_release`.slice(0, 63);

/**
 * SYSTEM TIER (slow: builds the previous release, 1–3 minutes the first time, then starts it).
 * The expand claim of the newest migration, proven: the previous release (its commit from CHANGELOG.md)
 * runs, as compiled code, on a schema migrated by this checkout, and the v7 flow works over HTTP.
 */
describe('previous release on the new schema (system tier)', () => {
  let proc: OwnedProcess | undefined;
  let url: string;
  let dbUrl: string;
  let migrationsBefore: number;

  const api = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const sql = <T>(query: string, params: unknown[] = []) =>
    withClient(dbUrl, async (c: Client) => (await c.query(query, params)).rows as T[]);

  beforeAll(async () => {
    const releaseDir = buildRelease(previousReleaseCommit());
    dbUrl = await freshDatabase(DATABASE);
    const ds = createDataSource(dbUrl, 2);
    await ds.initialize();
    await runMigrations(ds).finally(() => ds.destroy());
    migrationsBefore = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM typeorm_migrations`))[0].n;

    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    proc = OwnedProcess.start(process.execPath, [join(releaseDir, 'dist', 'main.js')], {
      cwd: releaseDir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        NODE_ENV: 'test',
        PORT: String(port),
        DATABASE_URL: dbUrl,
        JWT_SECRET: TEST_JWT_SECRET,
        PAYMENT_PROVIDER: 'mock',
        SEED_DEMO_DATA: 'false',
        RATE_LIMIT_ENABLED: 'false',
        LOG_LEVEL: 'warn',
      },
    });
    await until(
      async () => !proc!.running || (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok === true,
      90_000,
      'the previous release to be ready',
    );
    if (!proc.running) throw new Error(`the previous release exited at start-up:\n${proc.tail}`);
  }, 480_000);

  afterAll(async () => {
    await proc?.stop('SIGTERM');
    await dropDatabase(DATABASE);
  });

  it('starts on it: its own migration run finds nothing to do and changes nothing', async () => {
    const names = await sql<{ name: string }>(`SELECT name FROM typeorm_migrations ORDER BY id`);
    expect(names).toHaveLength(migrationsBefore);
    expect(names.map((n) => n.name)).toContain('RefreshTokenFamilies1764000020100');
  });

  it('walks the v7 flow: signup, login, refresh, hold, paying, confirm, refund, logout', async () => {
    const signup = async (username: string) => {
      expect(
        (await api('POST', '/api/auth/signup', undefined, { username, password: 'password-123' })).status,
      ).toBe(201);
      const login = await api('POST', '/api/auth/login', undefined, { username, password: 'password-123' });
      expect(login.status).toBe(200);
      return login.body as { accessToken: string; refreshToken: string; user: { id: number } };
    };
    await signup('prevadmin');
    await sql(`UPDATE users SET role = 'ADMIN' WHERE username = 'prevadmin'`);
    const admin = (
      await api('POST', '/api/auth/login', undefined, { username: 'prevadmin', password: 'password-123' })
    ).body as { accessToken: string };
    const concert = await api('POST', '/api/admin/concerts', admin.accessToken, {
      title: 'Rollback',
      artistName: 'x',
    });
    expect(concert.status).toBe(201);
    const option = await api('POST', `/api/admin/concerts/${concert.body.id}/options`, admin.accessToken, {
      concertDate: new Date(Date.now() + 30 * 86400_000).toISOString(),
      ticketPriceAmount: 50000,
      seatCount: 4,
    });
    expect(option.status).toBe(201);
    const seats = (await api('GET', `/api/concerts/options/${option.body.id}/seat-map`)).body as {
      id: number;
    }[];

    // Sessions as the previous release writes them: refresh tokens without a family row.
    const fan = await signup('prevfan');
    const refreshed = await api('POST', '/api/auth/token/refresh', undefined, {
      refreshToken: fan.refreshToken,
    });
    expect(refreshed.status).toBe(200);
    const token = refreshed.body.accessToken as string;

    const held = await api('POST', '/api/reservations/v7/holds', token, { seatId: seats[0].id });
    expect(held.status).toBe(201);
    expect(held.body.status).toBe('HOLD');
    const paying = await api('POST', `/api/reservations/v7/${held.body.id}/paying`, token);
    expect(paying.status).toBe(200);
    expect(paying.body.status).toBe('PAYING');
    const confirmed = await api('POST', `/api/reservations/v7/${held.body.id}/confirm`, token, {});
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED', paymentProvider: 'mock' });
    const refunded = await api('POST', `/api/reservations/v7/${held.body.id}/refund`, token);
    expect(refunded.status).toBe(200);
    expect(refunded.body.status).toBe('REFUNDED');
    const ledger = await sql<{ type: string; status: string }>(
      `SELECT type, status FROM payment_transactions WHERE reservation_id = $1 ORDER BY id`,
      [held.body.id],
    );
    expect(ledger).toEqual([
      { type: 'PAYMENT', status: 'SUCCESS' },
      { type: 'REFUND', status: 'SUCCESS' },
    ]);

    expect((await api('POST', '/api/auth/logout', token)).status).toBe(204);
    const revoked = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM refresh_tokens t JOIN users u ON u.id = t.user_id
        WHERE u.username = 'prevfan' AND t.revoked_at IS NOT NULL`,
    );
    expect(revoked[0].n).toBeGreaterThan(0);
  }, 60_000);
});
