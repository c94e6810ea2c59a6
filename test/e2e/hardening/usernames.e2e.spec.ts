import { AbuseHardening1764000019000 } from '../../../migrations/1764000019000-AbuseHardening';
import { expectError } from '../../support/http';
import { startTestApp, TestApp } from '../../support/test-app';

/** Hardening 7: `Admin` could be registered next to `admin`. Usernames are one name whatever their case. */
describe('hardening 7: usernames are unique whatever their case', () => {
  let t: TestApp;
  const signup = (username: string) =>
    t.http().post('/api/auth/signup').send({ username, password: 'password-123' });
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

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
