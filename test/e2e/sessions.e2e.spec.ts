import type Redis from 'ioredis';
import * as jwt from 'jsonwebtoken';
import {
  RefreshTokensPruner,
  SPENT_RETENTION_MS,
} from '../../src/modules/auth/session/refresh-tokens-pruner';
import { createUser, TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { freshRedis } from '../support/fixtures';
import { expectError, stateSnapshot } from '../support/http';
import { connectSocket, openSse } from '../../support/realtime-clients';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';
import { until } from '../support/wait';

const PASSWORD = 'password-123';
const TRIALS = 10;
const PARALLEL_TRIALS = 40;
/** Trial loops are bounded by count; on a loaded 2-core machine 40 trials took over 30 s (jest's default). */
const TRIAL_TIMEOUT_MS = 120_000;
/** Refreshes the racing client makes before the owner acts, so the owner acts mid-loop. */
const REFRESHES_BEFORE = 3;
/** Refreshes the racing client may still make after the owner acted, if the server lets it. */
const REFRESHES_AFTER = 5;
/** Generous for a loaded machine; the contract's bound is 1 s, and before the fix streams stayed open. */
const CLOSE_WAIT_MS = 5000;
const familyOf = (accessToken: string) => (jwt.decode(accessToken) as { fam: string }).fam;
const expiryMsOf = (accessToken: string) => (jwt.decode(accessToken) as { exp: number }).exp * 1000;

interface Session {
  accessToken: string;
  refreshToken: string;
}

describe('session tokens: refresh rotation, reuse detection, logout', () => {
  const clock = new FakeClock();
  let a: TestApp;
  let b: TestApp;
  let fan: TestUser;

  const login = async (t: TestApp = a): Promise<Session> =>
    (await t.http().post('/api/auth/login').send({ username: fan.username, password: PASSWORD }).expect(200))
      .body;
  const refresh = (refreshToken: unknown, t: TestApp = a) =>
    t.http().post('/api/auth/token/refresh').send({ refreshToken });
  const me = (accessToken: string, t: TestApp = a) =>
    t.http().get('/api/auth/me').set('Authorization', `Bearer ${accessToken}`);
  const logout = (accessToken: string, t: TestApp = a) =>
    t.http().post('/api/auth/logout').set('Authorization', `Bearer ${accessToken}`);

  beforeAll(async () => {
    await (await freshRedis()).quit();
    // Two instances sharing PostgreSQL and Redis, as behind a load balancer.
    a = await startTestApp({ REDIS_URL: TEST_REDIS_URL }, { clock });
    b = await startTestApp({ REDIS_URL: TEST_REDIS_URL }, { clock }, { reset: false });
    fan = await createUser(a);
  });
  afterEach(() => clock.reset());
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('rotates: a refresh answers the login shape with a new pair and spends the old refresh token', async () => {
    const first = await login();
    const res = await refresh(first.refreshToken).expect(200);
    expect(res.body).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 3600,
      refreshToken: expect.any(String),
      refreshExpiresIn: 1209600,
      user: { id: fan.id, username: fan.username, role: 'USER' },
    });
    expect(res.body.refreshToken).not.toBe(first.refreshToken);
    expect(res.body.accessToken).not.toBe(first.accessToken);
    await me(res.body.accessToken).expect(200);
    await me(first.accessToken).expect(200); // rotation alone does not end the old access token
    await refresh(res.body.refreshToken, b).expect(200); // any instance refreshes
  });

  it('revokes the whole family when a spent refresh token is used again', async () => {
    const first = await login();
    const second = (await refresh(first.refreshToken).expect(200)).body as Session;
    const reuse = await refresh(first.refreshToken, b);
    expectError(reuse, 401, 'UNAUTHENTICATED');
    // The thief and the owner both lose the session: its newest refresh token and its access tokens.
    expectError(await refresh(second.refreshToken), 401, 'UNAUTHENTICATED');
    expectError(await me(second.accessToken, b), 401, 'UNAUTHENTICATED');
    expectError(await me(first.accessToken), 401, 'UNAUTHENTICATED');
    await me((await login()).accessToken).expect(200); // a new login is a new family
  });

  it('stores refresh tokens hashed, never as issued', async () => {
    const { refreshToken } = await login();
    const secret = refreshToken.split('.')[1];
    const rows: Record<string, unknown>[] = await a.dataSource.query(`SELECT * FROM refresh_tokens`);
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('refuses an expired refresh token', async () => {
    const { refreshToken } = await login();
    clock.advance(1209600 * 1000 + 1000);
    expectError(await refresh(refreshToken), 401, 'UNAUTHENTICATED');
  });

  it.each([
    ['a forged secret', (s: Session) => s.refreshToken.replace(/\..*/, '.' + 'A'.repeat(43))],
    ['another row id', (s: Session) => s.refreshToken.replace(/^\d+/, (id) => String(Number(id) + 100000))],
    ['an unknown long id', () => '9999999999999999.' + 'A'.repeat(43)],
  ])('refuses %s with 401 and changes nothing', async (_what, make) => {
    const session = await login();
    const before = await stateSnapshot(a);
    expectError(await refresh(make(session)), 401, 'UNAUTHENTICATED');
    expect(await stateSnapshot(a)).toEqual(before);
    await refresh(session.refreshToken).expect(200); // the real token was not revoked by the attempt
  });

  it.each([
    ['no refreshToken', {}],
    ['a number', { refreshToken: 42 }],
    ['an array', { refreshToken: ['x'] }],
    ['a huge string', { refreshToken: 'x'.repeat(10_000) }],
    ['an empty string', { refreshToken: '' }],
    ['an id out of range', { refreshToken: '99999999999999999999.' + 'A'.repeat(43) }],
    ['garbage', { refreshToken: 'not-a-token' }],
    ['a JWT (an access token is not a refresh token)', { refreshToken: 'eyJhbGciOi.eyJzdWIiOi.c2ln' }],
  ])('refuses %s with 400 VALIDATION_FAILED (not a refresh token at all)', async (_what, body) => {
    const res = await a.http().post('/api/auth/token/refresh').send(body);
    expectError(res, 400, 'VALIDATION_FAILED');
  });

  it('logout on instance A refuses the access token and the refresh family on instance B at once', async () => {
    const session = await login(a);
    const other = await login(b); // another session of the same user
    await me(session.accessToken, b).expect(200); // B has seen (and cached) the token
    await logout(session.accessToken, a).expect(204);
    expectError(await me(session.accessToken, b), 401, 'UNAUTHENTICATED');
    expectError(await me(session.accessToken, a), 401, 'UNAUTHENTICATED');
    expectError(await refresh(session.refreshToken, b), 401, 'UNAUTHENTICATED');
    await expect(connectSocket(b.url, session.accessToken)).rejects.toThrow();
    const sse = await openSse(`${b.url}/api/reservations/v7/events`, {
      Authorization: `Bearer ${session.accessToken}`,
    });
    expect(sse.status).toBe(401);
    await me(other.accessToken, a).expect(200); // other sessions are not affected
    await refresh(other.refreshToken, a).expect(200);
  });

  it('needs a valid token to log out', async () => {
    expectError(await a.http().post('/api/auth/logout'), 401, 'UNAUTHENTICATED');
    expectError(await logout('forged.token.here'), 401, 'UNAUTHENTICATED');
  });

  /**
   * From test/e2e/hardening/session-revocation.e2e.spec.ts (hardening round three, item 1), on the same two
   * instances: logout and refresh-token reuse end a session even while it is being refreshed.
   */
  describe('revocation under concurrent refreshes', () => {
    let redis: Redis;
    beforeAll(async () => {
      redis = await freshRedis();
    });
    afterAll(() => redis?.quit());

    /**
     * A client (the thief, or the owner's other tab) refreshing in a loop, alternating instances, from
     * `start`. `act` runs once the loop has made REFRESHES_BEFORE refreshes; the loop then goes on until it
     * is refused or has made REFRESHES_AFTER more. Answers every pair the loop obtained.
     */
    async function raceRefreshLoop(start: string, act: () => Promise<void>): Promise<Session[]> {
      const obtained: Session[] = [];
      let acted: Promise<void> | undefined;
      let after = 0;
      let token = start;
      for (let i = 0; after < REFRESHES_AFTER; i++) {
        if (i === REFRESHES_BEFORE) acted = act();
        const res = await refresh(token, i % 2 ? b : a);
        if (res.status !== 200) break;
        obtained.push(res.body as Session);
        token = res.body.refreshToken;
        if (acted) after++;
      }
      await acted;
      return obtained;
    }

    /** Whether anything the loop obtained still works: its newest refresh token or any access token. */
    async function chainSurvives(obtained: Session[]): Promise<boolean> {
      const newest = obtained.at(-1);
      if (!newest) return false;
      if ((await refresh(newest.refreshToken, b)).status === 200) return true;
      for (const pair of obtained)
        for (const t of [a, b]) if ((await me(pair.accessToken, t)).status === 200) return true;
      return false;
    }

    it(
      `a client refreshing in a loop does not survive the owner's logout (${TRIALS} trials)`,
      async () => {
        let survived = 0;
        for (let trial = 0; trial < TRIALS; trial++) {
          const owner = await login(b);
          const obtained = await raceRefreshLoop(owner.refreshToken, async () => {
            await logout(owner.accessToken, trial % 2 ? a : b).expect(204);
          });
          if (await chainSurvives(obtained)) survived++;
        }
        expect({ survived, of: TRIALS }).toEqual({ survived: 0, of: TRIALS });
      },
      TRIAL_TIMEOUT_MS,
    );

    it(
      `the owner's reuse of a spent token ends a chain being refreshed in a loop (${TRIALS} trials)`,
      async () => {
        let survived = 0;
        for (let trial = 0; trial < TRIALS; trial++) {
          const stolen = await login();
          // The thief refreshes first; the owner then comes back with the token the thief spent.
          const obtained = await raceRefreshLoop(stolen.refreshToken, async () => {
            expectError(await refresh(stolen.refreshToken, trial % 2 ? a : b), 401, 'UNAUTHENTICATED');
          });
          if (await chainSurvives(obtained)) survived++;
        }
        expect({ survived, of: TRIALS }).toEqual({ survived: 0, of: TRIALS });
      },
      TRIAL_TIMEOUT_MS,
    );

    it(
      `of two parallel refreshes of one token exactly one wins, and its chain dies (${PARALLEL_TRIALS} trials)`,
      async () => {
        let survived = 0;
        const winners: number[] = [];
        for (let trial = 0; trial < PARALLEL_TRIALS; trial++) {
          const session = await login();
          const answers = await Promise.all([
            refresh(session.refreshToken, a),
            refresh(session.refreshToken, b),
          ]);
          const won = answers.filter((r) => r.status === 200);
          winners.push(won.length);
          for (const lost of answers.filter((r) => r.status !== 200))
            expectError(lost, 401, 'UNAUTHENTICATED');
          if (await chainSurvives(won.map((r) => r.body as Session))) survived++;
        }
        expect(winners).toEqual(Array(PARALLEL_TRIALS).fill(1));
        expect({ survived, of: PARALLEL_TRIALS }).toEqual({ survived: 0, of: PARALLEL_TRIALS });
      },
      TRIAL_TIMEOUT_MS,
    );

    it('a refresh in flight at logout yields no usable token: its access token is refused on both instances for as long as it lives', async () => {
      const owner = await login();
      const family = familyOf(owner.accessToken);
      const waitingLocks = async () =>
        (
          await a.dataSource.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          )
        )[0].n as number;
      // Holds the refresh between spending its token and finishing (it reads or references the user),
      // deterministically, while the owner logs out on the other instance.
      const gate = a.dataSource.createQueryRunner();
      await gate.connect();
      let inFlight: Promise<{ status: number; body: Session }>;
      let loggedOut: Promise<unknown>;
      let logoutSettled = false;
      let loggedOutAt = 0;
      try {
        await gate.startTransaction();
        await gate.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
        inFlight = refresh(owner.refreshToken, b).then((r) => r);
        await until(async () => (await waitingLocks()) > 0, 5000, 'the refresh to wait on the user');
        loggedOut = logout(owner.accessToken, a).then((r) => {
          logoutSettled = true;
          return r;
        });
        // The logout either ends at once or waits for the refresh (under the family's lock).
        await until(async () => logoutSettled || (await waitingLocks()) > 1, 5000, 'the logout to act');
        loggedOutAt = Date.now();
        // Past the second in which a denial written at logout for JWT_TTL_SECONDS would end: a token
        // signed after this outlives such a denial.
        await until(async () => Date.now() > loggedOutAt + 1100, 2000, 'the next second');
      } finally {
        await gate.commitTransaction().catch(() => undefined);
        await gate.release();
      }
      expect((await loggedOut!) as { status: number }).toMatchObject({ status: 204 });
      const answer = await inFlight!;
      const obtained = answer.status === 200 ? [answer.body] : [];
      if (answer.status !== 200) expectError(answer as never, 401, 'UNAUTHENTICATED');

      const deniedUntil = Date.now() + (await redis.pttl(`checkout:deny:f:${family}`));
      for (const pair of [owner, ...obtained]) {
        expect(familyOf(pair.accessToken)).toBe(family);
        for (const t of [a, b]) expectError(await me(pair.accessToken, t), 401, 'UNAUTHENTICATED');
        // The denial outlives the token on every instance: the token expires before the entry does.
        expect(expiryMsOf(pair.accessToken)).toBeLessThanOrEqual(deniedUntil);
      }
      expect(await chainSurvives(obtained)).toBe(false);
    });

    /** Opens an SSE stream and two sockets (one per instance) with `accessToken`; answers a "all closed" probe. */
    async function openStreams(accessToken: string) {
      const sse = await openSse(`${b.url}/api/reservations/v7/events`, {
        Authorization: `Bearer ${accessToken}`,
      });
      expect(sse.status).toBe(200);
      const sockets = [await connectSocket(a.url, accessToken), await connectSocket(b.url, accessToken)];
      const notices: unknown[] = [];
      for (const s of sockets) s.socket.on('SESSION_EXPIRED', (n: unknown) => notices.push(n));
      return {
        allClosed: async () =>
          sse.ended() &&
          sockets.every((s) => !s.socket.connected) &&
          sse.raw().includes('event: SESSION_EXPIRED'),
        notices,
        close: () => {
          sse.close();
          for (const s of sockets) s.close();
        },
      };
    }

    it('closes the SSE and socket.io streams of a logged-out session on every instance, and no others', async () => {
      const session = await login();
      const other = await login();
      const streams = await openStreams(session.accessToken);
      const others = await openStreams(other.accessToken);
      try {
        await logout(session.accessToken, a).expect(204);
        await until(streams.allClosed, CLOSE_WAIT_MS, 'the logged-out streams to close');
        expect(streams.notices).toHaveLength(2);
        expect(await others.allClosed()).toBe(false);
      } finally {
        streams.close();
        others.close();
      }
    });

    it('closes the streams of a family revoked by a reused refresh token, on every instance', async () => {
      const first = await login();
      const second = (await refresh(first.refreshToken).expect(200)).body as Session;
      const streams = await openStreams(second.accessToken);
      try {
        expectError(await refresh(first.refreshToken, a), 401, 'UNAUTHENTICATED');
        await until(streams.allClosed, CLOSE_WAIT_MS, 'the revoked family streams to close');
      } finally {
        streams.close();
      }
    });

    it('does not limit refreshes when RATE_LIMIT_ENABLED=false', async () => {
      let session = await login();
      for (let i = 0; i < 12; i++) session = (await refresh(session.refreshToken).expect(200)).body;
    });

    it('prunes expired and long-spent refresh rows and revoked families, and keeps what can still be used', async () => {
      const pruner = a.app.get(RefreshTokensPruner);
      const kept = await login();
      let live = kept;
      for (let i = 0; i < 3; i++) live = (await refresh(live.refreshToken).expect(200)).body;
      const revoked = await login();
      await logout(revoked.accessToken).expect(204);
      const count = async (family: string) =>
        (
          await a.dataSource.query(`SELECT count(*)::int AS n FROM refresh_tokens WHERE family_id = $1`, [
            family,
          ])
        )[0].n as number;
      expect(await count(familyOf(kept.accessToken))).toBe(4);

      clock.advance(SPENT_RETENTION_MS + 1000);
      expect(await pruner.pruneOnce()).toBeGreaterThanOrEqual(4);
      expect(await count(familyOf(kept.accessToken))).toBe(1); // the three spent ones are gone
      expect(await count(familyOf(revoked.accessToken))).toBe(0);
      live = (await refresh(live.refreshToken).expect(200)).body; // the live one still works
      expect(await count(familyOf(kept.accessToken))).toBe(2);

      clock.advance(a.config.jwtRefreshTtlSeconds * 1000 + 1000);
      await pruner.pruneOnce();
      expect(await count(familyOf(kept.accessToken))).toBe(0);
      expectError(await refresh(live.refreshToken), 401, 'UNAUTHENTICATED');
    });
  });
});

/**
 * One instance without Redis, limits on. The refresh rate limit comes from
 * test/e2e/hardening/session-revocation.e2e.spec.ts ('refresh rate limit per family'), which booted its own app.
 */
describe('one instance without Redis (RATE_LIMIT_ENABLED=true): logout, refresh rate limit', () => {
  let t: TestApp;
  let fan: TestUser;
  const login = async (): Promise<Session> =>
    (await t.http().post('/api/auth/login').send({ username: fan.username, password: PASSWORD }).expect(200))
      .body;
  const refresh = (refreshToken: string) => t.http().post('/api/auth/token/refresh').send({ refreshToken });

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_ENABLED: 'true' });
    fan = await createUser(t);
  });
  afterAll(() => t?.close());

  it('allows 10 refreshes a minute per family, then 429 with Retry-After; spent and revoked tokens still 401', async () => {
    const first = await login();
    let session = first;
    for (let i = 0; i < 10; i++) session = (await refresh(session.refreshToken).expect(200)).body;
    const limited = await refresh(session.refreshToken);
    expectError(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const otherFamily = await login(); // another session of the same user is not limited
    await refresh(otherFamily.refreshToken).expect(200);

    // A spent token of the limited family is a reuse: 401, and the family is revoked.
    expectError(await refresh(first.refreshToken), 401, 'UNAUTHENTICATED');
    expectError(await refresh(session.refreshToken), 401, 'UNAUTHENTICATED');
  });

  it('refuses the access token and the refresh token at once', async () => {
    const fan = await createUser(t);
    const session = (
      await t.http().post('/api/auth/login').send({ username: fan.username, password: PASSWORD }).expect(200)
    ).body as Session;
    await t.http().post('/api/auth/logout').set('Authorization', `Bearer ${session.accessToken}`).expect(204);
    const me = await t.http().get('/api/auth/me').set('Authorization', `Bearer ${session.accessToken}`);
    expectError(me, 401, 'UNAUTHENTICATED');
    expectError(
      await t.http().post('/api/auth/token/refresh').send({ refreshToken: session.refreshToken }),
      401,
      'UNAUTHENTICATED',
    );
  });
});
