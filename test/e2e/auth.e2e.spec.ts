import * as bcrypt from 'bcrypt';
import * as jwt from 'jsonwebtoken';
import { AbuseHardening1764000019000 } from '../../migrations/1764000019000-AbuseHardening';
import { expectError } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_JWT_SECRET } from '../support/test-env';

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const nowSec = () => Math.floor(Date.now() / 1000);

describe('auth', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('signup', () => {
    it('creates a USER and never returns the password', async () => {
      const res = await t
        .http()
        .post('/api/auth/signup')
        .send({ username: 'alice_01', password: 'correct-horse' })
        .expect(201);
      expect(res.body).toEqual({ id: expect.any(Number), username: 'alice_01', role: 'USER' });
      expect(res.text).not.toContain('correct-horse');
      expect(res.text.toLowerCase()).not.toContain('password');
    });

    it('stores a bcrypt hash of the pre-hashed password, and starts the wallet at WALLET_INITIAL_BALANCE', async () => {
      const rows: { password_hash: string; role: string; balance: number }[] = await t.dataSource.query(
        `SELECT password_hash, role, balance_amount AS balance
           FROM users JOIN wallets ON wallets.user_id = users.id WHERE username = $1`,
        ['alice_01'],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].password_hash).not.toBe('correct-horse');
      expect(rows[0].password_hash).not.toContain('correct-horse');
      expect(rows[0].password_hash).toMatch(/^sha256:\$2[aby]\$\d{2}\$/);
      expect(rows[0].role).toBe('USER');
      expect(rows[0].balance).toBe(200000);
    });

    it('accepts the boundary lengths and every allowed character', async () => {
      await t.http().post('/api/auth/signup').send({ username: 'a.b', password: '12345678' }).expect(201);
      await t
        .http()
        .post('/api/auth/signup')
        .send({ username: 'A-z_9.'.padEnd(40, 'x'), password: 'p'.repeat(128) })
        .expect(201);
    });

    it('answers 409 USERNAME_TAKEN for an existing username, and keeps the first account', async () => {
      const res = await t
        .http()
        .post('/api/auth/signup')
        .send({ username: 'alice_01', password: 'another-password' });
      expectError(res, 409, 'USERNAME_TAKEN');
      await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'alice_01', password: 'correct-horse' })
        .expect(200);
      const [{ count }] = await t.dataSource.query(
        'SELECT count(*)::int AS count FROM users WHERE username = $1',
        ['alice_01'],
      );
      expect(count).toBe(1);
    });

    it.each([
      ['username too short', { username: 'ab', password: 'password-1' }, 'username'],
      ['username too long', { username: 'x'.repeat(41), password: 'password-1' }, 'username'],
      ['username with a space', { username: 'bad name', password: 'password-1' }, 'username'],
      ['username with a slash', { username: 'bad/name', password: 'password-1' }, 'username'],
      ['username not a string', { username: 12345, password: 'password-1' }, 'username'],
      ['password too short', { username: 'validname', password: '1234567' }, 'password'],
      ['password too long', { username: 'validname', password: 'p'.repeat(129) }, 'password'],
      ['password missing', { username: 'validname' }, 'password'],
      ['unknown field', { username: 'validname', password: 'password-1', role: 'ADMIN' }, 'role'],
    ])('rejects %s with 400 VALIDATION_FAILED', async (_case, body, field) => {
      const res = await t.http().post('/api/auth/signup').send(body);
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(Array.isArray(res.body.details)).toBe(true);
      expect((res.body.details as string[]).join('\n')).toContain(field);
      const [{ count }] = await t.dataSource.query(
        `SELECT count(*)::int AS count FROM users WHERE username IN ('validname', 'ab', 'bad name')`,
      );
      expect(count).toBe(0);
    });

    it('rejects a missing body with 400 VALIDATION_FAILED', async () => {
      const res = await t.http().post('/api/auth/signup');
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it('rejects a JSON array body with 400 VALIDATION_FAILED', async () => {
      const res = await t
        .http()
        .post('/api/auth/signup')
        .send([{ username: 'validname' }]);
      expectError(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('login', () => {
    let userId: number;
    beforeAll(async () => {
      const res = await t
        .http()
        .post('/api/auth/signup')
        .send({ username: 'bob', password: 'bob-password' })
        .expect(201);
      userId = res.body.id;
    });

    it('returns a bearer token for the right password', async () => {
      const res = await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'bob', password: 'bob-password' })
        .expect(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 3600,
        refreshToken: expect.stringMatching(/^\d+\.[A-Za-z0-9_-]{43}$/),
        refreshExpiresIn: 1209600,
        user: { id: userId, username: 'bob', role: 'USER' },
      });
      const claims = jwt.verify(res.body.accessToken, TEST_JWT_SECRET, {
        algorithms: ['HS256'],
      }) as jwt.JwtPayload;
      expect(claims.sub).toBe(String(userId));
      expect(claims.role).toBe('USER');
      expect(claims.exp! - nowSec()).toBeGreaterThan(3590);
      expect(claims.exp! - nowSec()).toBeLessThanOrEqual(3600);
      expect(JSON.stringify(claims)).not.toContain('bob-password');
    });

    it('counts every byte of a long password (bcrypt alone reads only the first 72)', async () => {
      const head = 'x'.repeat(72);
      await t
        .http()
        .post('/api/auth/signup')
        .send({ username: 'long_pw', password: `${head}${'A'.repeat(56)}` })
        .expect(201);
      const login = (password: string) =>
        t.http().post('/api/auth/login').send({ username: 'long_pw', password });
      expectError(await login(`${head}${'B'.repeat(56)}`), 401, 'UNAUTHENTICATED');
      expectError(await login(head), 401, 'UNAUTHENTICATED');
      await login(`${head}${'A'.repeat(56)}`).expect(200);
    });

    it('still accepts a password hashed before pre-hashing (plain bcrypt)', async () => {
      await t.dataSource.query(`INSERT INTO users (username, password_hash) VALUES ('old_hash', $1)`, [
        bcrypt.hashSync('old-password', 4),
      ]);
      const login = (password: string) =>
        t.http().post('/api/auth/login').send({ username: 'old_hash', password });
      await login('old-password').expect(200);
      expectError(await login('old-password-2'), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 UNAUTHENTICATED for a wrong password', async () => {
      const res = await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'bob', password: 'wrong-password' });
      expectError(res, 401, 'UNAUTHENTICATED');
      expect(res.body.accessToken).toBeUndefined();
    });

    it('answers 401 UNAUTHENTICATED for an unknown user, with the same message', async () => {
      const unknown = await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'nobody-here', password: 'bob-password' });
      expectError(unknown, 401, 'UNAUTHENTICATED');
      const wrong = await t.http().post('/api/auth/login').send({ username: 'bob', password: 'nope-nope' });
      expect(unknown.body.message).toBe(wrong.body.message);
    });

    it('answers 400 VALIDATION_FAILED for a malformed login body', async () => {
      expectError(await t.http().post('/api/auth/login').send({ username: 'bob' }), 400, 'VALIDATION_FAILED');
      expectError(
        await t.http().post('/api/auth/login').send({ username: 'bob', password: 'bob-password', x: 1 }),
        400,
        'VALIDATION_FAILED',
      );
    });
  });

  describe('me', () => {
    let user: { id: number; token: string };
    beforeAll(async () => {
      const signup = await t
        .http()
        .post('/api/auth/signup')
        .send({ username: 'carol', password: 'carol-password' })
        .expect(201);
      const login = await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'carol', password: 'carol-password' })
        .expect(200);
      user = { id: signup.body.id, token: login.body.accessToken };
    });

    const me = (authorization?: string) => {
      const req = t.http().get('/api/auth/me');
      return authorization === undefined ? req : req.set('Authorization', authorization);
    };

    it('returns the caller with the wallet balance', async () => {
      const res = await me(`Bearer ${user.token}`).expect(200);
      expect(res.body).toEqual({
        id: user.id,
        username: 'carol',
        role: 'USER',
        tier: 'BASIC',
        walletBalanceAmount: 200000,
      });
    });

    it('accepts a token we sign by hand with the server secret (control for the cases below)', async () => {
      const token = jwt.sign({ sub: String(user.id), role: 'USER' }, TEST_JWT_SECRET, {
        algorithm: 'HS256',
        expiresIn: 60,
      });
      await me(`Bearer ${token}`).expect(200);
    });

    it('answers 401 without a token', async () => {
      expectError(await me(), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for a non-bearer scheme', async () => {
      expectError(
        await me(`Basic ${Buffer.from('carol:carol-password').toString('base64')}`),
        401,
        'UNAUTHENTICATED',
      );
      expectError(await me(user.token), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for a garbage token', async () => {
      expectError(await me('Bearer not-a-jwt'), 401, 'UNAUTHENTICATED');
      expectError(await me('Bearer a.b.c'), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for a token signed with another secret', async () => {
      const token = jwt.sign({ sub: String(user.id), role: 'ADMIN' }, 'some-other-secret-entirely', {
        algorithm: 'HS256',
        expiresIn: 600,
      });
      expectError(await me(`Bearer ${token}`), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for an unsigned alg:none token', async () => {
      const header = b64url({ alg: 'none', typ: 'JWT' });
      const payload = b64url({ sub: String(user.id), role: 'ADMIN', iat: nowSec(), exp: nowSec() + 600 });
      expectError(await me(`Bearer ${header}.${payload}.`), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for a tampered payload with the original signature', async () => {
      const [header, , signature] = user.token.split('.');
      const payload = b64url({ sub: String(user.id), role: 'ADMIN', iat: nowSec(), exp: nowSec() + 600 });
      expectError(await me(`Bearer ${header}.${payload}.${signature}`), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for an expired token', async () => {
      const token = jwt.sign(
        { sub: String(user.id), role: 'USER', iat: nowSec() - 7200, exp: nowSec() - 60 },
        TEST_JWT_SECRET,
        { algorithm: 'HS256' },
      );
      expectError(await me(`Bearer ${token}`), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for a correctly signed token with an unknown role or a bad subject', async () => {
      const sign = (claims: object) =>
        jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: 600 });
      expectError(await me(`Bearer ${sign({ sub: String(user.id), role: 'ROOT' })}`), 401, 'UNAUTHENTICATED');
      expectError(await me(`Bearer ${sign({ sub: 'carol', role: 'USER' })}`), 401, 'UNAUTHENTICATED');
    });
  });

  // From test/e2e/hardening/usernames.e2e.spec.ts (hardening 7): `Admin` could be registered next to `admin`.
  describe('usernames are unique whatever their case', () => {
    const signup = (username: string) =>
      t.http().post('/api/auth/signup').send({ username, password: 'password-123' });

    it('refuses Admin and ADMIN next to admin, and logs in whatever the case', async () => {
      const first = await signup('casey').expect(201);
      expectError(await signup('Casey'), 409, 'USERNAME_TAKEN');
      expectError(await signup('CASEY'), 409, 'USERNAME_TAKEN');
      const login = await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'CaSeY', password: 'password-123' })
        .expect(200);
      expect(login.body.user).toEqual({ id: first.body.id, username: 'casey', role: 'USER' });
    });

    it('stops the migration on existing clashes, naming them', async () => {
      const runner = t.dataSource.createQueryRunner();
      await runner.startTransaction();
      try {
        await runner.query(`DROP INDEX users_username_lower_key`);
        await runner.query(`INSERT INTO users (username, password_hash) VALUES ('Dup', 'x'), ('DUP', 'x')`);
        await expect(new AbuseHardening1764000019000().up(runner)).rejects.toThrow(
          /usernames that differ only in case: Dup \/ DUP\. Rename/,
        );
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    });
  });
});

// startTestApp truncates the tables after the app has booted, which would erase what bootstrap created:
// these apps start with reset:false on the database the 'auth' block left behind.
describe('admin account bootstrap', () => {
  const env = { ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'boss-password-1' };

  it('creates the ADMIN account at boot from ADMIN_USERNAME / ADMIN_PASSWORD', async () => {
    const t = await startTestApp(env, {}, { reset: false });
    try {
      const before = await t.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE username = 'bob'`);
      expect(before).toEqual([{ n: 1 }]); // the database was not reset under us
      const login = await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'boss', password: 'boss-password-1' })
        .expect(200);
      expect(login.body.user).toMatchObject({ username: 'boss', role: 'ADMIN' });
      const me = await t.http().get('/api/auth/me').set('Authorization', `Bearer ${login.body.accessToken}`);
      expect(me.body.role).toBe('ADMIN');
      const [row] = await t.dataSource.query('SELECT password_hash FROM users WHERE username = $1', ['boss']);
      expect(row.password_hash).toMatch(/^sha256:\$2[aby]\$/);
    } finally {
      await t.close();
    }
  });

  it('is idempotent across restarts (one account, still ADMIN)', async () => {
    const t = await startTestApp(env, {}, { reset: false });
    try {
      const rows = await t.dataSource.query('SELECT role FROM users WHERE username = $1', ['boss']);
      expect(rows).toEqual([{ role: 'ADMIN' }]);
      await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'boss', password: 'boss-password-1' })
        .expect(200);
    } finally {
      await t.close();
    }
  });

  it('creates no account when only one of the two variables is set', async () => {
    const t = await startTestApp({ ADMIN_USERNAME: 'halfboss' }, {}, { reset: false });
    try {
      const rows = await t.dataSource.query('SELECT 1 FROM users WHERE username = $1', ['halfboss']);
      expect(rows).toHaveLength(0);
    } finally {
      await t.close();
    }
  });
});
