import type Redis from 'ioredis';
import { RefundPacer } from './refund-pacer';

/**
 * KEYS[1] the window (a sorted set of grants scored by Redis time in ms), KEYS[2] a counter naming members;
 * ARGV[1] the permits per second. Redis's own clock, so instances with skewed clocks share one window.
 * Answers 0 (granted) or the ms until the oldest grant that blocks leaves the window.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, redis.call('INCR', KEYS[2]))
  redis.call('PEXPIRE', KEYS[1], 2000)
  return 0
end
local blocking = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
return math.max(1, tonumber(blocking[2]) + 1000 - now)
`;

type PacingRedis = Redis & { refundPaceTake(window: string, seq: string, limit: number): Promise<number> };

/** The window shared by every instance on this Redis database (one Lua script, atomic). */
export class RedisRefundPacer implements RefundPacer {
  static readonly WINDOW_KEY = 'checkout:cancellation:refund-pace';
  private readonly redis: PacingRedis;

  constructor(
    redis: Redis,
    private readonly perSecond: number,
  ) {
    redis.defineCommand('refundPaceTake', { numberOfKeys: 2, lua: TAKE });
    this.redis = redis as PacingRedis;
  }

  async tryTake(): Promise<number> {
    const key = RedisRefundPacer.WINDOW_KEY;
    return Number(await this.redis.refundPaceTake(key, `${key}:seq`, this.perSecond));
  }
}
