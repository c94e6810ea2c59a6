import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { DomainError } from '../../../common/errors/domain-error';
import { Acquired, EndedLock, LockRequest, Released, SeatLockStore } from './seat-lock-store';
import { SPAN_MERGE_GAP_MS } from './selecting-budget';

const PREFIX = 'checkout:lock';
export const lockKey = (seatId: number) => `${PREFIX}:seat:${seatId}`;
const capKey = (seatId: number, userId: number) => `${PREFIX}:cap:${seatId}:${userId}`;
const optionKey = (optionId: number) => `${PREFIX}:option:${optionId}`;
/** A user's locks: zset seat → expiry (ms), for MAX_SEAT_LOCKS_PER_USER. */
const userKey = (userId: number) => `${PREFIX}:user:${userId}`;
/** A seat's SELECTING spans: zset start → end (ms), for its budget (see selecting-budget.ts). */
const spansKey = (seatId: number) => `${PREFIX}:spans:${seatId}`;
const DUE_KEY = `${PREFIX}:due`;

/**
 * KEYS: lock hash, cap, option zset, due zset, user zset, spans zset.
 * ARGV: user, option, seat, now, ttl, max (ms), max locks per user.
 * Another user's live lock wins; the owner refreshes up to first + max; the seat's SELECTING budget
 * (the Lua twin of startNewSpan and selectingBudgetEnd) may end the lock sooner; past either, LOCK_EXPIRED. A new lock
 * is refused when the user already holds the maximum. Liveness is judged on `now` (the lock's `exp`),
 * the same clock as every recorded span; Redis's own expiry only cleans up.
 */
const ACQUIRE = `
local now, ttl, max, perUser = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local owner, first, since, exp = unpack(redis.call('HMGET', KEYS[1], 'owner', 'first', 'since', 'exp'))
if owner and exp and tonumber(exp) <= now then owner = nil end
if owner and owner ~= ARGV[1] then return {'BEING_SELECTED'} end
local window = 2 * max
if owner then
  first = tonumber(first)
else
  first = tonumber(redis.call('GET', KEYS[2]) or now)
  if first + window <= now then first = now end
end
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - window)
local spans = redis.call('ZRANGE', KEYS[6], 0, -1, 'WITHSCORES')
if owner then
  since = tonumber(since) or now
else
  -- startNewSpan: a lock soon after the last span ended continues it
  since = now
  local n = #spans
  if n > 0 and tonumber(spans[n]) >= now - ${SPAN_MERGE_GAP_MS} then
    since = tonumber(spans[n - 1])
    spans[n] = now
  end
end
local function usedUpTo(e)
  local from, used = e - window, e - now
  for i = 1, #spans, 2 do
    local overlap = math.min(tonumber(spans[i + 1]), now) - math.max(tonumber(spans[i]), from)
    if overlap > 0 then used = used + overlap end
  end
  return used
end
local expires = math.min(now + ttl, first + max)
if expires > now and usedUpTo(expires) > max then
  local ok, tooLate = now, expires
  while tooLate - ok > 1 do
    local mid = math.floor((ok + tooLate) / 2)
    if usedUpTo(mid) <= max then ok = mid else tooLate = mid end
  end
  expires = ok
end
if expires <= now then return {'LOCK_EXPIRED'} end
if not owner then
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
  if redis.call('ZCARD', KEYS[5]) >= perUser then return {'LIMIT_REACHED'} end
end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'option', ARGV[2], 'first', first, 'since', since, 'exp', expires)
redis.call('PEXPIREAT', KEYS[1], expires)
if first == now then redis.call('SET', KEYS[2], first, 'PXAT', first + window) end
redis.call('ZADD', KEYS[3], expires, ARGV[3])
redis.call('ZADD', KEYS[4], expires, ARGV[3] .. ':' .. ARGV[2])
redis.call('ZADD', KEYS[5], expires, ARGV[3])
redis.call('PEXPIREAT', KEYS[5], now + max)
redis.call('ZADD', KEYS[6], expires, since)
redis.call('PEXPIREAT', KEYS[6], expires + window)
return {owner and 'REFRESHED' or 'ACQUIRED', tostring(expires)}
`;

/**
 * KEYS: lock hash, option zset, due zset, user zset, spans zset. ARGV: user, seat, option, now.
 * The lock's SELECTING span ends now.
 */
const RELEASE = `
local owner, since, exp = unpack(redis.call('HMGET', KEYS[1], 'owner', 'since', 'exp'))
if not owner or (exp and tonumber(exp) <= tonumber(ARGV[4])) then return 'NONE' end
if owner ~= ARGV[1] then return 'OTHERS' end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2] .. ':' .. ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[2])
if since then
  local ends = redis.call('ZSCORE', KEYS[5], since)
  if ends and tonumber(ends) > tonumber(ARGV[4]) then redis.call('ZADD', KEYS[5], ARGV[4], since) end
end
return 'RELEASED'
`;

/** KEYS: due zset. ARGV: now, limit, key prefix. Claims due members whose lock is really gone. */
const CLAIM_ENDED = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local ended = {}
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
  local seat, option = string.match(member, '^(%d+):(%d+)$')
  if redis.call('EXISTS', ARGV[3] .. ':seat:' .. seat) == 0 then
    redis.call('ZREM', ARGV[3] .. ':option:' .. option, seat)
    ended[#ended + 1] = member
  end
end
return ended
`;

type LockRedis = Redis & {
  seatLockAcquire(...args: (string | number)[]): Promise<string[]>;
  seatLockRelease(...args: (string | number)[]): Promise<Released>;
  seatLockClaimEnded(...args: (string | number)[]): Promise<string[]>;
};

/**
 * Soft locks shared by every instance: each decision is one Lua script, so it is atomic in Redis.
 * Without Redis, selection fails open: reads see no locks (holds and seat maps keep working; the hold
 * statement still decides every seat) and taking or releasing a lock is 503 until Redis is back.
 */
export class RedisSeatLockStore implements SeatLockStore {
  private readonly logger = new Logger(RedisSeatLockStore.name);
  private readonly redis: LockRedis;
  private unreachable = false;

  constructor(redis: Redis) {
    redis.defineCommand('seatLockAcquire', { numberOfKeys: 6, lua: ACQUIRE });
    redis.defineCommand('seatLockRelease', { numberOfKeys: 5, lua: RELEASE });
    redis.defineCommand('seatLockClaimEnded', { numberOfKeys: 1, lua: CLAIM_ENDED });
    this.redis = redis as LockRedis;
  }

  async acquire(r: LockRequest): Promise<Acquired> {
    const [outcome, expires] = await this.write(() =>
      this.redis.seatLockAcquire(
        lockKey(r.seatId),
        capKey(r.seatId, r.userId),
        optionKey(r.optionId),
        DUE_KEY,
        userKey(r.userId),
        spansKey(r.seatId),
        r.userId,
        r.optionId,
        r.seatId,
        r.nowMs,
        r.ttlMs,
        r.maxMs,
        r.maxPerUser,
      ),
    );
    if (outcome === 'ACQUIRED' || outcome === 'REFRESHED') return { outcome, expiresAtMs: Number(expires) };
    if (outcome === 'LOCK_EXPIRED' || outcome === 'LIMIT_REACHED') return { outcome };
    return { outcome: 'BEING_SELECTED' };
  }

  release(seatId: number, optionId: number, userId: number, nowMs: number): Promise<Released> {
    return this.write(() =>
      this.redis.seatLockRelease(
        lockKey(seatId),
        optionKey(optionId),
        DUE_KEY,
        userKey(userId),
        spansKey(seatId),
        userId,
        seatId,
        optionId,
        nowMs,
      ),
    );
  }

  async ownerOf(seatId: number, nowMs: number): Promise<number | undefined> {
    const [owner, exp] = await this.read(() => this.redis.hmget(lockKey(seatId), 'owner', 'exp'), []);
    if (!owner || (exp && Number(exp) <= nowMs)) return undefined;
    return Number(owner);
  }

  async lockedSeats(optionId: number, nowMs: number): Promise<Set<number>> {
    const seats = await this.read(
      () => this.redis.zrangebyscore(optionKey(optionId), `(${nowMs}`, '+inf'),
      [],
    );
    return new Set(seats.map(Number));
  }

  async claimEnded(nowMs: number, limit: number): Promise<EndedLock[]> {
    const members = await this.read(() => this.redis.seatLockClaimEnded(DUE_KEY, nowMs, limit, PREFIX), []);
    return members.map((m) => {
      const [seatId, optionId] = m.split(':').map(Number);
      return { seatId, optionId };
    });
  }

  private async read<T>(command: () => Promise<T>, whenDown: T): Promise<T> {
    try {
      const value = await command();
      this.reachable();
      return value;
    } catch (err) {
      this.down(err);
      return whenDown;
    }
  }

  private async write<T>(command: () => Promise<T>): Promise<T> {
    try {
      const value = await command();
      this.reachable();
      return value;
    } catch (err) {
      this.down(err);
      throw new DomainError(
        'SERVICE_UNAVAILABLE',
        'Seat selection is unavailable right now; you can still hold the seat',
      );
    }
  }

  private down(err: unknown): void {
    if (!this.unreachable)
      this.logger.warn(`seat locks cannot reach Redis (${String(err)}); selection fails open`);
    this.unreachable = true;
  }

  private reachable(): void {
    if (this.unreachable) this.logger.log('seat locks reach Redis again');
    this.unreachable = false;
  }
}
