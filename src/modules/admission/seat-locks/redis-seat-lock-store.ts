import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { DomainError } from '../../../common/errors/domain-error';
import { Acquired, EndedLock, LockRequest, Released, SeatLockStore } from './seat-lock-store';

const PREFIX = 'checkout:lock';
export const lockKey = (seatId: number) => `${PREFIX}:seat:${seatId}`;
const capKey = (seatId: number, userId: number) => `${PREFIX}:cap:${seatId}:${userId}`;
const optionKey = (optionId: number) => `${PREFIX}:option:${optionId}`;
const DUE_KEY = `${PREFIX}:due`;

/**
 * KEYS: lock hash, cap, option zset, due zset. ARGV: user, option, seat, now, ttl, max (ms).
 * Another user's live lock wins; the owner refreshes up to first + max; past that, LOCK_EXPIRED.
 */
const ACQUIRE = `
local now, ttl, max = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local owner, first = unpack(redis.call('HMGET', KEYS[1], 'owner', 'first'))
if owner and owner ~= ARGV[1] then return {'BEING_SELECTED'} end
if owner then first = tonumber(first) else first = tonumber(redis.call('GET', KEYS[2]) or now) end
local expires = math.min(now + ttl, first + max)
if expires <= now then return {'LOCK_EXPIRED'} end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'option', ARGV[2], 'first', first)
redis.call('PEXPIREAT', KEYS[1], expires)
if first == now then redis.call('SET', KEYS[2], first, 'PXAT', first + 2 * max) end
redis.call('ZADD', KEYS[3], expires, ARGV[3])
redis.call('ZADD', KEYS[4], expires, ARGV[3] .. ':' .. ARGV[2])
return {owner and 'REFRESHED' or 'ACQUIRED', tostring(expires)}
`;

/** KEYS: lock hash, option zset, due zset. ARGV: user, seat, option. */
const RELEASE = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return 'NONE' end
if owner ~= ARGV[1] then return 'OTHERS' end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2] .. ':' .. ARGV[3])
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
    redis.defineCommand('seatLockAcquire', { numberOfKeys: 4, lua: ACQUIRE });
    redis.defineCommand('seatLockRelease', { numberOfKeys: 3, lua: RELEASE });
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
        r.userId,
        r.optionId,
        r.seatId,
        r.nowMs,
        r.ttlMs,
        r.maxMs,
      ),
    );
    if (outcome === 'ACQUIRED' || outcome === 'REFRESHED') return { outcome, expiresAtMs: Number(expires) };
    return { outcome: outcome === 'LOCK_EXPIRED' ? 'LOCK_EXPIRED' : 'BEING_SELECTED' };
  }

  /** Redis expires keys on its own clock; `nowMs` matters to the in-process store only. */
  release(seatId: number, optionId: number, userId: number): Promise<Released> {
    return this.write(() =>
      this.redis.seatLockRelease(lockKey(seatId), optionKey(optionId), DUE_KEY, userId, seatId, optionId),
    );
  }

  async ownerOf(seatId: number): Promise<number | undefined> {
    const owner = await this.read(() => this.redis.hget(lockKey(seatId), 'owner'), null);
    return owner === null ? undefined : Number(owner);
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
