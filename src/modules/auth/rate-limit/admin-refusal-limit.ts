import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { AppConfig } from '../../../config/app-config';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { REDIS_CLIENT, RedisClient } from '../../../infra/redis/redis-client';
import { ADMIN_REFUSAL_RATE_LIMIT } from './rate-limits';
import { RateLimitedException } from './rate-limited.exception';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * Counts the calls a user makes to admin routes without the role (ADMIN_REFUSAL_RATE_LIMIT): past the
 * limit, 429 before the route is refused, so the refund override's DENIED audit row, free text and all,
 * cannot be written without bound. One counter per user across every admin route, on the throttler's
 * storage (Redis when REDIS_URL is set, shared by every instance). Asked by the auth guard, which is where
 * the role is decided: the throttler guard may run after it, too late to count a 403.
 */
@Injectable()
export class AdminRefusalLimit implements OnApplicationShutdown {
  private readonly storage: ThrottlerStorage & Partial<OnApplicationShutdown>;

  constructor(
    private readonly config: AppConfig,
    @Inject(REDIS_CLIENT) redis: RedisClient,
    private readonly metrics: Metrics,
  ) {
    this.storage = redis ? new RedisThrottlerStorage(redis) : new ThrottlerStorageService();
  }

  /** One more refused call by `userId`; throws 429 RATE_LIMITED (with Retry-After) past the limit. */
  async count(userId: number): Promise<void> {
    if (!this.config.rateLimitEnabled) return;
    const { name, limit, ttlMs } = ADMIN_REFUSAL_RATE_LIMIT;
    const record = await this.storage.increment(`user:${userId}`, ttlMs, limit, ttlMs, name);
    if (!record.isBlocked) return;
    this.metrics.rateLimited.inc({ limit: name });
    throw new RateLimitedException(Math.max(1, record.timeToBlockExpire));
  }

  onApplicationShutdown(): void {
    this.storage.onApplicationShutdown?.();
  }
}
