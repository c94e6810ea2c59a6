import { createSecretKey, KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import * as jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { Principal, Session } from '../../common/auth/principal';
import { AppConfig, Role } from '../../config/app-config';
import { accessTokenClaims } from './token-claims';

/** Distinct tokens whose verification is remembered (about 300 bytes each). */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Signs and verifies HS256 access tokens. The secret is turned into a KeyObject once: with a string
 * secret jsonwebtoken re-derives the key on every verify, which dominated the hold endpoint's CPU profile.
 * A fan's token is sent with every call of a checkout, so a verified token is remembered (by its exact
 * string, until its own `exp`): jsonwebtoken's decode + HMAC + claim checks were still ≈ 7 % of a hold's
 * CPU. Only successful verifications are cached, so forged or garbage tokens cannot fill the cache.
 * Whether a valid token was revoked (logout) is the TokenDenylist's question, asked by the callers.
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

  /**
   * The expiry (ms, whole seconds as in `exp`) of a token signed now. Sessions record it before signing,
   * so that a revocation knows how long the family's newest access token can live.
   */
  nextExpiryMs(): number {
    return (Math.floor(Date.now() / 1000) + this.config.jwtTtlSeconds) * 1000;
  }

  sign(
    principal: { userId: number; role: Role },
    session: { tokenId: string; familyId: string; expiresAtMs?: number },
  ): string {
    const expiresAtMs = session.expiresAtMs ?? this.nextExpiryMs();
    return jwt.sign(
      {
        sub: String(principal.userId),
        role: principal.role,
        jti: session.tokenId,
        fam: session.familyId,
        exp: Math.floor(expiresAtMs / 1000),
      },
      this.key,
      { algorithm: 'HS256' },
    );
  }

  /**
   * The principal of a well-formed, correctly signed, unexpired HS256 token whose claims all have their
   * types (accessTokenClaims: an `exp`, a user id in the database's range, a known role); undefined for
   * anything else (`alg: none`, forged, expired, no `exp`, a claim of the wrong type).
   */
  verify(token: string | undefined): Principal | undefined {
    if (!token) return undefined;
    const known = this.verified.get(token);
    if (known && known.expiresAtMs > Date.now()) return known.principal;
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.key, { algorithms: ['HS256'] });
    } catch {
      return undefined;
    }
    const parsed = accessTokenClaims.safeParse(payload);
    if (!parsed.success) return undefined;
    const { sub: userId, role, exp, jti, fam } = parsed.data;
    const expiresAtMs = exp * 1000;
    const session: Session | undefined =
      jti !== undefined && fam !== undefined ? { tokenId: jti, familyId: fam, expiresAtMs } : undefined;
    const principal: Principal = Object.freeze(
      session ? { userId, role, session, expiresAtMs } : { userId, role, expiresAtMs },
    );
    // Good until the token's own expiry, checked on every hit with the same clock jsonwebtoken uses.
    this.verified.set(token, { principal, expiresAtMs });
    return principal;
  }
}
