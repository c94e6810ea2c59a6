import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal';
import { Clock, CLOCK } from '../../../common/clock';
import { DomainError } from '../../../common/errors/domain-error';
import { AppConfig, Role } from '../../../config/app-config';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { TokenService } from '../token.service';
import { UsersRepository } from '../users.repository';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionWatch } from './session-watch';
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
 * once, on every instance. Whether a family may still issue is decided by the database, under the family
 * row's lock (RefreshTokensRepository); the denylist then refuses its access tokens for as long as the
 * newest of them lives, and SessionWatch closes the streams opened with them.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly denylist: TokenDenylist,
    private readonly watch: SessionWatch,
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async start(user: SessionUser) {
    const familyId = randomUUID();
    const accessExpiresAtMs = this.tokens.nextExpiryMs();
    const refreshToken = await this.refreshTokens.start(familyId, user.id, {
      refreshExpiresAt: this.refreshExpiresAt(),
      accessExpiresAt: new Date(accessExpiresAtMs),
    });
    return this.pair(user, familyId, accessExpiresAtMs, refreshToken);
  }

  async refresh(refreshToken: string) {
    const accessExpiresAtMs = this.tokens.nextExpiryMs();
    const result = await this.refreshTokens.rotate(refreshToken, {
      now: this.clock.now(),
      refreshExpiresAt: this.refreshExpiresAt(),
      accessExpiresAt: new Date(accessExpiresAtMs),
      limit: this.config.rateLimitEnabled ? REFRESH_RATE_LIMIT : undefined,
    });
    if (result.kind === 'limited') {
      this.metrics.rateLimited.inc({ limit: 'refresh' });
      throw new RefreshRateLimited(Math.ceil(result.retryAfterMs / 1000));
    }
    if (result.kind === 'reused') {
      await this.announce(result.familyId, result.accessExpiresAt.getTime());
      throw unauthenticated('This refresh token was already used: the session is revoked, log in again');
    }
    const user = result.kind === 'rotated' ? await this.users.findById(result.userId) : undefined;
    if (!user || result.kind !== 'rotated') throw unauthenticated('Invalid or expired refresh token');
    return this.pair(user, result.familyId, accessExpiresAtMs, result.refreshToken);
  }

  /** The caller's access token and its whole session stop working on every instance. */
  async logout(caller: Principal): Promise<void> {
    if (!caller.session) return; // a token from before sessions: nothing to revoke but its expiry
    const { familyId, tokenId, expiresAtMs } = caller.session;
    const accessExpiresAt = await this.refreshTokens.revokeFamily(familyId, this.clock.now());
    await this.announce(familyId, Math.max(accessExpiresAt?.getTime() ?? 0, expiresAtMs), {
      tokenId,
      tokenExpiresAtMs: expiresAtMs,
    });
  }

  /**
   * A family revoked in the database: its access tokens are refused until the newest of them expires, and
   * the streams opened with them close, on every instance.
   */
  private async announce(
    familyId: string,
    accessExpiresAtMs: number,
    token: { tokenId?: string; tokenExpiresAtMs?: number } = {},
  ) {
    const ttlMs = accessExpiresAtMs + CLOCK_SKEW_MS - Date.now();
    await this.denylist.denySession({ familyId, ...token }, ttlMs);
    await this.watch.revoked(familyId);
  }

  private refreshExpiresAt(): Date {
    return new Date(this.clock.now().getTime() + this.config.jwtRefreshTtlSeconds * 1000);
  }

  private pair(user: SessionUser, familyId: string, accessExpiresAtMs: number, refreshToken: string) {
    return {
      accessToken: this.tokens.sign(
        { userId: user.id, role: user.role },
        { tokenId: randomUUID(), familyId, expiresAtMs: accessExpiresAtMs },
      ),
      tokenType: 'Bearer' as const,
      expiresIn: this.tokens.ttlSeconds,
      refreshToken,
      refreshExpiresIn: this.config.jwtRefreshTtlSeconds,
      user: { id: user.id, username: user.username, role: user.role },
    };
  }
}

/** Instances' clocks differ a little: a denial outlives the newest token it refuses by this much. */
const CLOCK_SKEW_MS = 5000;

/** The contract's limit on refreshes of one family; counted under the family's lock, so exact. */
export const REFRESH_RATE_LIMIT = { count: 10, windowMs: 60_000 };

/** 429 RATE_LIMITED; the exception filter turns `retryAfterSeconds` into Retry-After. */
class RefreshRateLimited extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', 'Too many refreshes of this session, retry later');
  }
}

const unauthenticated = (message: string) => new DomainError('UNAUTHENTICATED', message);
