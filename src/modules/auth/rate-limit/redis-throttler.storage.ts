import { Logger } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type Redis from 'ioredis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One fixed window per key, in one atomic script: INCR the hit counter (PEXPIRE it on the first hit);
 * once the count passes the limit, set a block key for `blockDuration`. While the block key lives every
 * call is refused. Returns {hits, msToWindowEnd, blocked 0|1, msToBlockEnd}.
 */
const INCREMENT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then return {hits, ttl, 1, blockTtl} end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, ttl, 1, tonumber(ARGV[3])}
end
return {hits, ttl, 0, 0}
`;

const KEY_PREFIX = 'throttle:';
const logger = new Logger('RateLimit');

/**
 * ThrottlerStorage over the app's ioredis client, so every instance shares the counters.
 * (@nest-lab/throttler-storage-redis does not declare NestJS 12 as a peer, hence this small one.)
 * Redis is an accelerator, never the truth: when a call fails (Redis down, the client fails fast), the
 * limit falls back to this instance's memory instead of refusing or waving through every request.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly fallback = new ThrottlerStorageService();
  private warned = false;

  constructor(private readonly redis: Redis) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = `${KEY_PREFIX}${throttlerName}:${key}`;
    try {
      const [hits, msToExpire, blocked, msToBlockEnd] = (await this.redis.eval(
        INCREMENT_SCRIPT,
        2,
        `${base}:hits`,
        `${base}:blocked`,
        ttl,
        limit,
        blockDuration,
      )) as [number, number, number, number];
      this.warned = false;
      return {
        totalHits: hits,
        timeToExpire: toSeconds(msToExpire),
        isBlocked: blocked === 1,
        timeToBlockExpire: blocked === 1 ? toSeconds(msToBlockEnd) : 0,
      };
    } catch (err) {
      if (!this.warned) logger.warn(`redis unavailable, rate limits are per instance: ${String(err)}`);
      this.warned = true;
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  onApplicationShutdown(): void {
    this.fallback.onApplicationShutdown();
  }
}

/** Whole seconds, at least 1: what Retry-After carries. */
function toSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
