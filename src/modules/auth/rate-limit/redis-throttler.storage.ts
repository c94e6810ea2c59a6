import { Logger } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type Redis from 'ioredis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * A sliding window per key, in one atomic script: the log (a zset) keeps the time of each call let
 * through; calls older than the window drop out, and a call is let through while fewer than `limit`
 * remain, so no window of `ttl` ms ever holds more than `limit` (a fixed window lets 2 × limit through
 * around its edge). The first call refused sets a block key for `blockDuration`; while it lives every
 * call is refused. KEYS: log, block. ARGV: now, ttl, limit, blockDuration (ms).
 * Returns {hits, msToWindowEnd, blocked 0|1, msToBlockEnd}.
 */
const INCREMENT_SCRIPT = `
local now, ttl, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local blockTtl = redis.call('PTTL', KEYS[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
local hits = redis.call('ZCARD', KEYS[1])
if blockTtl > 0 then return {hits + 1, ttl, 1, blockTtl} end
if hits >= limit then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
  return {hits + 1, ttl, 1, tonumber(ARGV[4])}
end
redis.call('ZADD', KEYS[1], now, now .. ':' .. hits)
redis.call('PEXPIRE', KEYS[1], ttl)
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {hits + 1, tonumber(oldest[2]) + ttl - now, 0, 0}
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

  /** `now`: the instances' shared clock for the window (tests move it by hand). */
  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {}

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
        `${base}:log`,
        `${base}:blocked`,
        this.now(),
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
