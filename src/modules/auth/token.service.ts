import { createSecretKey, KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import * as jwt from 'jsonwebtoken';
import { AppConfig, Role } from '../../config/app-config';
import { Principal } from './principal';

/**
 * Signs and verifies HS256 access tokens. The secret is turned into a KeyObject once: with a string
 * secret jsonwebtoken re-derives the key on every verify, which dominated the hold endpoint's CPU profile.
 */
@Injectable()
export class TokenService {
  private readonly key: KeyObject;

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
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'] }) as jwt.JwtPayload;
      const userId = Number(claims.sub);
      const role = claims.role as Role;
      if (!Number.isSafeInteger(userId) || userId <= 0 || (role !== 'USER' && role !== 'ADMIN'))
        return undefined;
      return { userId, role };
    } catch {
      return undefined;
    }
  }
}
