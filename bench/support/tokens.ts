import { createHmac, randomUUID } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { BENCH_JWT_SECRET } from './app-process';

/** Tokens the app accepts (same claims as TokenService.sign), minted here to skip signup/bcrypt. */
export function userTokens(userIds: number[]): string[] {
  return userIds.map((id) =>
    jwt.sign({ sub: String(id), role: 'USER' }, BENCH_JWT_SECRET, { algorithm: 'HS256', expiresIn: 3600 }),
  );
}

/**
 * Tokens as a login issues them, with a session (`jti`, `fam`): the service also asks its denylist about
 * each one on every request, as it does for a real fan. `role` 'ADMIN' gives an admin's token. Signed
 * with node:crypto directly (HS256, the same bytes jsonwebtoken writes): jsonwebtoken takes ≈ 0.8 ms a
 * token here, too slow for the 100,000 fans of the waiting-room benchmark.
 */
export function sessionTokens(userIds: number[], role: 'USER' | 'ADMIN' = 'USER'): string[] {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const iat = Math.floor(Date.now() / 1000);
  return userIds.map((id) => {
    const claims = { sub: String(id), role, jti: randomUUID(), fam: randomUUID(), iat, exp: iat + 3600 };
    const body = `${header}.${base64url(JSON.stringify(claims))}`;
    return `${body}.${createHmac('sha256', BENCH_JWT_SECRET).update(body).digest('base64url')}`;
  });
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
