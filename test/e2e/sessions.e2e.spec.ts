import { createUser, TestUser } from '../support/factories';
import { FakeClock } from '../support/fake-clock';
import { freshRedis } from '../support/fixtures';
import { expectError, stateSnapshot } from '../support/http';
import { connectSocket, openSse } from '../../support/realtime-clients';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';

const PASSWORD = 'password-123';

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
});

describe('logout without Redis (one instance)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

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
