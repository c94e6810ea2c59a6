import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { principalOf } from '../auth.guard';
import type { Principal } from '../../../common/auth/principal';
import { TokenService } from '../token.service';
import { RATE_LIMITS, RateLimit } from './rate-limits';

/** A 429 that knows when to come back; the exception filter turns it into the Retry-After header. */
export class RateLimitedException extends ThrottlerException {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests, retry later');
  }
}

type RequestWithUser = FastifyRequest & { user?: Principal };

/** Which of RATE_LIMITS guards this request's route, if any (by the matched route pattern, not the raw URL). */
export function rateLimitFor(context: ExecutionContext): RateLimit | undefined {
  if (context.getType() !== 'http') return undefined;
  const req = context.switchToHttp().getRequest<FastifyRequest>();
  const routePath = req.routeOptions.url;
  return RATE_LIMITS.find((l) => l.method === req.method && l.routePath === routePath);
}

/**
 * The throttler guard with the contract's answer: 429 RATE_LIMITED with Retry-After (whole seconds).
 * Global guards run in an order we do not control; the per-user tracker shares the auth guard's
 * once-per-request token verification (principalOf).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  static trackerFor(limit: RateLimit, req: RequestWithUser, tokens: TokenService): string {
    const ip = req.ip || 'unknown';
    if (limit.tracker === 'ip+username') {
      const username = (req.body as { username?: unknown } | undefined)?.username;
      return `${ip}|${typeof username === 'string' ? username.toLowerCase() : ''}`;
    }
    const userId = principalOf(req, tokens)?.userId;
    return userId !== undefined ? `user:${userId}` : `ip:${ip}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new RateLimitedException(Math.max(1, detail.timeToBlockExpire));
  }
}
