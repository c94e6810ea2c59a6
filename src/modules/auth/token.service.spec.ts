import { loadConfig } from '../../config/app-config';
import { TokenService } from './token.service';

const SESSION = { tokenId: 'token-1', familyId: 'family-1' };

/** The verified-token cache must never outlive a token or accept one it has not verified. */
describe('TokenService', () => {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgres://unused',
    JWT_SECRET: 'unit-test-secret-that-is-long-enough-for-hs256',
    JWT_TTL_SECONDS: '60',
  });
  afterEach(() => jest.useRealTimers());

  it('refuses a token once it has expired, even after verifying it before', () => {
    jest.useFakeTimers({ now: new Date('2026-11-25T12:00:00Z') });
    const tokens = new TokenService(config);
    const token = tokens.sign({ userId: 7, role: 'USER' }, SESSION);
    const expiresAtMs = Date.parse('2026-11-25T12:01:00Z');
    const principal = { userId: 7, role: 'USER', session: { ...SESSION, expiresAtMs }, expiresAtMs };
    expect(tokens.verify(token)).toEqual(principal);
    jest.setSystemTime(new Date('2026-11-25T12:00:59Z'));
    expect(tokens.verify(token)).toEqual(principal);
    jest.setSystemTime(new Date('2026-11-25T12:01:00Z'));
    expect(tokens.verify(token)).toBeUndefined();
  });

  it('refuses a token that differs from a verified one in any character', () => {
    const tokens = new TokenService(config);
    const token = tokens.sign({ userId: 7, role: 'ADMIN' }, SESSION);
    expect(tokens.verify(token)).toMatchObject({ userId: 7, role: 'ADMIN' });
    const [header, payload, signature] = token.split('.');
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    expect(tokens.verify(`${header}.${payload}.${flipped}`)).toBeUndefined();
    expect(tokens.verify(`${token}x`)).toBeUndefined();
  });
});
