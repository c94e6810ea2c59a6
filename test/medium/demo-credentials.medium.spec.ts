import { DEMO_ACCOUNTS } from '../../src/bootstrap/bootstrap-data.service';
import { exposedLogins } from '../../src/bootstrap/demo-credentials';
import { loadConfig } from '../../src/config/app-config';
import { AuthModule } from '../../src/modules/auth/auth.module';
import { AuthService } from '../../src/modules/auth/auth.service';
import { ModuleContext, startModules } from '../support/module-harness';
import { BASE_TEST_ENV } from '../support/test-app';

/**
 * Which logins a start on a network address would leave open to anyone (the refusal's list), against the
 * accounts really stored in PostgreSQL: what an earlier loopback start seeded, what this start will seed,
 * and a configured admin.
 */
describe('the demo logins a network start would expose (auth module on PostgreSQL)', () => {
  let t: ModuleContext;
  let auth: AuthService;
  /** The configuration of a start on every interface, with `env` on top. */
  const onNetwork = (env: Record<string, string> = {}) =>
    loadConfig({ ...BASE_TEST_ENV, HOST: '0.0.0.0', SEED_DEMO_DATA: 'false', ...env });

  beforeAll(async () => {
    t = await startModules([AuthModule]);
    auth = t.get(AuthService);
  });
  afterAll(() => t.close());

  it('none on a database without the demo logins', async () => {
    expect(await exposedLogins(onNetwork(), auth, DEMO_ACCOUNTS)).toEqual([]);
  });

  it('every demo login that a seeding start would create', async () => {
    expect(await exposedLogins(onNetwork({ SEED_DEMO_DATA: 'true' }), auth, DEMO_ACCOUNTS)).toEqual([
      'demo',
      'gold',
      'admin',
    ]);
    // With a configured admin, the demo admin is not seeded; that admin's own password is checked instead.
    const withAdmin = onNetwork({
      SEED_DEMO_DATA: 'true',
      ADMIN_USERNAME: 'boss',
      ADMIN_PASSWORD: 'boss-own-1',
    });
    expect(await exposedLogins(withAdmin, auth, DEMO_ACCOUNTS)).toEqual(['demo', 'gold']);
  });

  it('the demo logins an earlier start stored, until their password changes', async () => {
    for (const login of DEMO_ACCOUNTS) await auth.ensureAccount(login.username, login.password, login.role);
    expect(await exposedLogins(onNetwork(), auth, DEMO_ACCOUNTS)).toEqual(['demo', 'gold', 'admin']);
    // ADMIN_USERNAME=admin with a password of its own: this start replaces the stored one.
    const ownAdmin = onNetwork({ ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'a-password-of-mine' });
    expect(await exposedLogins(ownAdmin, auth, DEMO_ACCOUNTS)).toEqual(['demo', 'gold']);
    await auth.ensureAccount('admin', 'a-password-of-mine', 'ADMIN');
    expect(await exposedLogins(onNetwork(), auth, DEMO_ACCOUNTS)).toEqual(['demo', 'gold']);
  });

  it('a configured admin given a published password', async () => {
    const examplePassword = onNetwork({ ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'change-me-admin-password' });
    expect(await exposedLogins(examplePassword, auth, DEMO_ACCOUNTS)).toContain('boss');
    const demoPassword = onNetwork({ ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'admin-password' });
    expect(await exposedLogins(demoPassword, auth, DEMO_ACCOUNTS)).toContain('boss');
  });
});
