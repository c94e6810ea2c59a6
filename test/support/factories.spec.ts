import { AppConfig } from '../../src/config/app-config';
import { Metrics } from '../../src/infra/metrics/metrics.service';
import { PasswordHasher } from '../../src/modules/auth/password-hasher';
import { FIXTURE_PASSWORD, FIXTURE_PASSWORD_HASH } from './factories';

describe('the factories’ precomputed password hash', () => {
  const hasher = new PasswordHasher({ rateLimitEnabled: false } as AppConfig, {} as Metrics);

  it('is what PasswordHasher accepts for FIXTURE_PASSWORD, so fixture users log in over HTTP', async () => {
    expect(await hasher.verify(FIXTURE_PASSWORD, FIXTURE_PASSWORD_HASH)).toBe(true);
  });

  it('refuses any other password', async () => {
    expect(await hasher.verify(`${FIXTURE_PASSWORD}x`, FIXTURE_PASSWORD_HASH)).toBe(false);
  });
});
