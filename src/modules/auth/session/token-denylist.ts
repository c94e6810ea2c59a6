import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal';
import { DomainError } from '../../../common/errors/domain-error';
import { REDIS_CLIENT, RedisClient } from '../../../infra/redis/redis-client';

const PREFIX = 'checkout:deny';

/**
 * Revoked access tokens (by token id) and sessions (by refresh family), each kept for as long as a token
 * it covers could still be valid. With REDIS_URL every instance reads the same entries, so a logout on
 * one instance refuses the token on all of them at once; this instance also keeps its own denials in
 * memory, which is all there is without Redis. If Redis cannot be reached, a token is checked against
 * this instance's memory only (logins must not stop with Redis), and that is logged.
 */
@Injectable()
export class TokenDenylist {
  private readonly logger = new Logger(TokenDenylist.name);
  private readonly local = new Map<string, number>();
  private warned = false;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: RedisClient) {}

  /**
   * Revokes a session (its refresh family) and, on logout, the caller's own access token. Each entry lives
   * as long as a token it refuses could: the token's remaining lifetime, and for the family until the
   * newest access token it ever issued expires (the family's row says when; a revoked family issues no
   * more, so nothing it issued outlives the entry). Throws SERVICE_UNAVAILABLE if Redis cannot record it:
   * other instances would still accept the token, so the caller must not be told it is logged out.
   */
  async denySession(
    session: { familyId: string; tokenId?: string; tokenExpiresAtMs?: number },
    familyTtlMs: number,
  ): Promise<void> {
    const now = Date.now();
    const entries: [string, number][] = [[`f:${session.familyId}`, familyTtlMs]];
    if (session.tokenId) entries.push([`t:${session.tokenId}`, (session.tokenExpiresAtMs ?? now) - now]);
    const live = entries.filter(([, ttlMs]) => ttlMs > 0);
    if (this.local.size > 10_000) for (const [key, end] of this.local) if (end <= now) this.local.delete(key);
    for (const [key, ttlMs] of live) this.local.set(key, now + ttlMs);
    if (!this.redis || live.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [key, ttlMs] of live) pipeline.set(`${PREFIX}:${key}`, '1', 'PX', Math.ceil(ttlMs));
    try {
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (!results || failed) throw failed?.[0] ?? new Error('no reply');
    } catch (err) {
      this.logger.warn(
        `token denylist unreachable, the revocation reached this instance only: ${String(err)}`,
      );
      throw new DomainError('SERVICE_UNAVAILABLE', 'The session could not be revoked everywhere; retry');
    }
  }

  async isDenied(principal: Principal): Promise<boolean> {
    const session = principal.session;
    if (!session) return false;
    return this.anyDenied([`t:${session.tokenId}`, `f:${session.familyId}`]);
  }

  /** Whether the session (refresh family) was revoked, on any instance. */
  isFamilyDenied(familyId: string): Promise<boolean> {
    return this.anyDenied([`f:${familyId}`]);
  }

  private async anyDenied(keys: string[]): Promise<boolean> {
    if (keys.some((key) => (this.local.get(key) ?? 0) > Date.now())) return true;
    if (!this.redis) return false;
    try {
      const found = await this.redis.exists(...keys.map((key) => `${PREFIX}:${key}`));
      this.warned = false;
      return found > 0;
    } catch (err) {
      if (!this.warned)
        this.logger.warn(`token denylist unreachable, checking this instance only: ${String(err)}`);
      this.warned = true;
      return false;
    }
  }
}
