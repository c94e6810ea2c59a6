import { createSecretKey, KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import * as jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { AppConfig, Role } from '../../config/app-config';
import { Principal } from '../../common/auth/principal';

/** Distinct tokens whose verification is remembered (about 200 bytes each). */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Signs and verifies HS256 access tokens. The secret is turned into a KeyObject once: with a string
 * secret jsonwebtoken re-derives the key on every verify, which dominated the hold endpoint's CPU profile.
 * A fan's token is sent with every call of a checkout, so a verified token is remembered (by its exact
 * string, until its own `exp`): jsonwebtoken's decode + HMAC + claim checks were still ≈ 7 % of a hold's
 * CPU. Only successful verifications are cached, so forged or garbage tokens cannot fill the cache.
 */
@Injectable()
export class TokenService {
  private readonly key: KeyObject;
  private readonly verified = new LRUCache<string, { principal: Principal; expiresAtMs: number }>({
    max: VERIFIED_CACHE_SIZE,
  });

  constructor(private readonly config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
  }

  get ttlSeconds(): number {
    return this.config.jwtTtlSeconds;
  }

  sign(principal: Principal): string {
    return jwt.sign({ sub: String(principal.userId), role: principal.role }, this.key, {
      algorithm: 'HS256',
      expiresIn: this.config.jwtTtlSeconds,
    });
  }

  /** Returns the principal, or undefined for a missing, forged, `alg: none` or expired token. */
  verify(token: string | undefined): Principal | undefined {
    if (!token) return undefined;
    const known = this.verified.get(token);
    if (known && known.expiresAtMs > Date.now()) return known.principal;
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'] }) as jwt.JwtPayload;
      const userId = Number(claims.sub);
      const role = claims.role as Role;
      if (!Number.isSafeInteger(userId) || userId <= 0 || (role !== 'USER' && role !== 'ADMIN'))
        return undefined;
      const principal: Principal = Object.freeze({ userId, role });
      // Good until the token's own expiry, checked on every hit with the same clock jsonwebtoken uses.
      if (typeof claims.exp === 'number')
        this.verified.set(token, { principal, expiresAtMs: claims.exp * 1000 });
      return principal;
    } catch {
      return undefined;
    }
  }
}
