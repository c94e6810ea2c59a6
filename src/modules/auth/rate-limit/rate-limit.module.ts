import { createHash } from 'node:crypto';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, ThrottlerModuleOptions } from '@nestjs/throttler';
import { AppConfig } from '../../../config/app-config';
import { REDIS_CLIENT, RedisClient } from '../../../infra/redis/redis-client';
import { AuthModule } from '../auth.module';
import { TokenService } from '../token.service';
import { RateLimitGuard, rateLimitsFor } from './rate-limit.guard';
import { RATE_LIMITS } from './rate-limits';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * Rate limits (see rate-limits.ts): one named throttler per limited route, every other route skipped.
 * Storage: Redis when REDIS_URL is set, else the throttler's in-memory storage.
 */
export function throttlerOptions(
  config: AppConfig,
  redis: RedisClient,
  tokens: TokenService,
): ThrottlerModuleOptions {
  return {
    storage: redis ? new RedisThrottlerStorage(redis) : undefined,
    setHeaders: false, // Retry-After is set on the 429 by the exception filter; no X-RateLimit-* noise
    throttlers: RATE_LIMITS.map((limit) => ({
      name: limit.name,
      limit: limit.limit,
      ttl: limit.ttlMs,
      skipIf: (context) =>
        !config.rateLimitEnabled || !rateLimitsFor(context).some((l) => l.name === limit.name),
      getTracker: (req) => RateLimitGuard.trackerFor(limit, req as never, tokens),
      // One counter per limit and tracker, whichever of the limit's handlers is called (the default key
      // is per handler: a lock and a release would each get their own 30).
      generateKey: (_context, tracker, name) =>
        createHash('sha256').update(`${name}-${tracker}`).digest('hex'),
    })),
  };
}

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [AuthModule],
      inject: [AppConfig, REDIS_CLIENT, TokenService],
      useFactory: throttlerOptions,
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
