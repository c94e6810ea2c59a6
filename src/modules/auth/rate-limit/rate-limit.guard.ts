import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { Metrics } from '../../../infra/metrics/metrics.service';
import type { ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { principalOf } from '../auth.guard';
import type { Principal } from '../../../common/auth/principal';
import { TokenService } from '../token.service';
import { RATE_LIMITS, RateLimit } from './rate-limits';
import { RateLimitedException } from './rate-limited.exception';

export { RateLimitedException };

type RequestWithUser = FastifyRequest & { user?: Principal };

/** Which of RATE_LIMITS guard this request's route (by the matched route pattern, not the raw URL). */
export function rateLimitsFor(context: ExecutionContext): RateLimit[] {
  if (context.getType() !== 'http') return [];
  const req = context.switchToHttp().getRequest<FastifyRequest>();
  const routePath = req.routeOptions.url;
  const methodOf = (l: RateLimit): readonly string[] => [l.method].flat();
  return RATE_LIMITS.filter((l) => methodOf(l).includes(req.method) && l.routePath === routePath);
}

/**
 * The throttler guard with the contract's answer: 429 RATE_LIMITED with Retry-After (whole seconds).
 * Global guards run in an order we do not control; the per-user tracker shares the auth guard's
 * once-per-request token verification (principalOf).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly metrics: Metrics,
  ) {
    super(options, storage, reflector);
  }

  static trackerFor(limit: RateLimit, req: RequestWithUser, tokens: TokenService): string {
    const ip = req.ip || 'unknown';
    if (limit.tracker === 'ip') return `ip:${ip}`;
    if (limit.tracker === 'ip+username') {
      const username = (req.body as { username?: unknown } | undefined)?.username;
      return `${ip}|${typeof username === 'string' ? username.toLowerCase() : ''}`;
    }
    const userId = principalOf(req, tokens)?.userId;
    return userId !== undefined ? `user:${userId}` : `ip:${ip}`;
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    // The exceeded limit is the one of this route with the detail's numbers (they differ per route).
    const limit = rateLimitsFor(context).find((l) => l.limit === detail.limit && l.ttlMs === detail.ttl);
    this.metrics.rateLimited.inc({ limit: limit?.name ?? 'unknown' });
    throw new RateLimitedException(Math.max(1, detail.timeToBlockExpire));
  }
}
