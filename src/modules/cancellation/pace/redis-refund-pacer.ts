import type Redis from 'ioredis';
import { Grant, RefundPacer } from './refund-pacer';

/**
 * KEYS[1] the window (a sorted set of grants scored by Redis time in ms), KEYS[2] a counter naming members;
 * ARGV[1] the permits per second, ARGV[2] how many are wanted. Redis's own clock, so instances with skewed
 * clocks share one window. Answers {granted, ms until the oldest grant leaves the window when short}.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local wanted = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
local count = redis.call('ZCARD', KEYS[1])
local granted = math.max(0, math.min(wanted, limit - count))
if granted > 0 then
  local last = redis.call('INCRBY', KEYS[2], granted)
  local first = last - granted + 1
  while first <= last do
    local members = {}
    for seq = first, math.min(last, first + 99) do
      members[#members + 1] = now
      members[#members + 1] = seq
    end
    redis.call('ZADD', KEYS[1], unpack(members))
    first = first + 100
  end
  redis.call('PEXPIRE', KEYS[1], 2000)
end
if granted == wanted then return {granted, 0} end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {granted, math.max(1, tonumber(oldest[2]) + 1000 - now)}
`;

type PacingRedis = Redis & {
  refundPaceTake(window: string, seq: string, limit: number, wanted: number): Promise<[number, number]>;
};

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

  async tryTake(wanted: number): Promise<Grant> {
    const key = RedisRefundPacer.WINDOW_KEY;
    const [granted, waitMs] = await this.redis.refundPaceTake(key, `${key}:seq`, this.perSecond, wanted);
    return { granted: Number(granted), waitMs: Number(waitMs) };
  }
}
