import { createHmac } from 'node:crypto';
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

  describe('claims of the wrong type, in a correctly signed token', () => {
    const secret = 'unit-test-secret-that-is-long-enough-for-hs256';
    // By hand: jsonwebtoken's own sign() refuses some of these payloads, and a signer need not be it.
    const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const sign = (claims: object) => {
      const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ exp: Math.floor(Date.now() / 1000) + 60, ...claims })}`;
      return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    };
    const good = { sub: '7', role: 'USER', jti: 'token-1', fam: 'family-1' };

    it('accepts the well-typed claims (control), and a session-less token', () => {
      const tokens = new TokenService(config);
      expect(tokens.verify(sign(good))).toMatchObject({ userId: 7, role: 'USER', session: SESSION });
      expect(tokens.verify(sign({ sub: '7', role: 'ADMIN' }))).toMatchObject({ userId: 7, role: 'ADMIN' });
    });

    it.each<[string, object]>([
      ['sub an array', { sub: ['7'] }],
      ['sub an array of a number', { sub: [7] }],
      ['sub an object', { sub: { id: 7 } }],
      ['sub a name', { sub: 'abc' }],
      ['sub 0', { sub: '0' }],
      ['sub -1', { sub: '-1' }],
      ['sub a float', { sub: '7.5' }],
      ['sub a float number', { sub: 7.5 }],
      ['sub in hex', { sub: '0x7' }],
      ['sub with an exponent', { sub: '7e0' }],
      ['sub padded', { sub: ' 7' }],
      ['sub beyond the id range', { sub: '2147483648' }],
      ['sub a huge number', { sub: 1e300 }],
      ['sub true', { sub: true }],
      ['sub null', { sub: null }],
      ['role unknown', { role: 'ROOT' }],
      ['role lower-case', { role: 'admin' }],
      ['role an array', { role: ['ADMIN'] }],
      ['jti a number', { jti: 12 }],
      ['fam an object', { fam: { id: 'family-1' } }],
      ['jti without fam', { fam: undefined }],
      ['iat a string', { iat: 'yesterday' }],
      ['exp a string', { exp: String(Math.floor(Date.now() / 1000) + 60) }],
    ])('refuses %s', (_what, change) => {
      const tokens = new TokenService(config);
      expect(tokens.verify(sign({ ...good, ...change }))).toBeUndefined();
    });

    it('refuses a token without sub or role', () => {
      const tokens = new TokenService(config);
      expect(tokens.verify(sign({ role: 'USER' }))).toBeUndefined();
      expect(tokens.verify(sign({ sub: '7' }))).toBeUndefined();
    });
  });
});
