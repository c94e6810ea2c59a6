import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal';
import { Clock, CLOCK } from '../../../common/clock';
import { DomainError } from '../../../common/errors/domain-error';
import { AppConfig, Role } from '../../../config/app-config';
import { TokenService } from '../token.service';
import { UsersRepository } from '../users.repository';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { TokenDenylist } from './token-denylist';

interface SessionUser {
  id: number;
  username: string;
  role: Role;
}

/**
 * Sessions: a login starts a refresh family; each refresh spends its token and returns a new pair in the
 * same family (rotation); spending a spent token again revokes the whole family, since a stolen copy
 * and its owner now both hold one (reuse detection); logout revokes the access token and the family at
 * once, on every instance.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly denylist: TokenDenylist,
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  start(user: SessionUser) {
    return this.issue(user, randomUUID());
  }

  async refresh(refreshToken: string) {
    const now = this.clock.now();
    const result = await this.refreshTokens.spend(refreshToken, now);
    if ('reused' in result && result.reused) {
      await this.revoke(result.reused.familyId);
      throw unauthenticated('This refresh token was already used: the session is revoked, log in again');
    }
    const user = 'spent' in result ? await this.users.findById(result.spent.userId) : undefined;
    if (!user || !('spent' in result)) throw unauthenticated('Invalid or expired refresh token');
    return this.issue(user, result.spent.familyId);
  }

  /** The caller's access token and its whole session stop working on every instance. */
  async logout(caller: Principal): Promise<void> {
    if (!caller.session) return; // a token from before sessions: nothing to revoke but its expiry
    const { familyId, tokenId, expiresAtMs } = caller.session;
    await this.revoke(familyId, { tokenId, tokenExpiresAtMs: expiresAtMs });
  }

  /** Every access token of the family dies with it (they live at most JWT_TTL_SECONDS). */
  private async revoke(familyId: string, token: { tokenId?: string; tokenExpiresAtMs?: number } = {}) {
    await this.refreshTokens.revokeFamily(familyId, this.clock.now());
    await this.denylist.denySession({ familyId, ...token }, this.config.jwtTtlSeconds * 1000);
  }

  private async issue(user: SessionUser, familyId: string) {
    const refreshExpiresIn = this.config.jwtRefreshTtlSeconds;
    const expiresAt = new Date(this.clock.now().getTime() + refreshExpiresIn * 1000);
    return {
      accessToken: this.tokens.sign(
        { userId: user.id, role: user.role },
        { tokenId: randomUUID(), familyId },
      ),
      tokenType: 'Bearer' as const,
      expiresIn: this.tokens.ttlSeconds,
      refreshToken: await this.refreshTokens.issue(familyId, user.id, expiresAt),
      refreshExpiresIn,
      user: { id: user.id, username: user.username, role: user.role },
    };
  }
}

const unauthenticated = (message: string) => new DomainError('UNAUTHENTICATED', message);
