import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { DomainError } from '../../../common/errors/domain-error';
import { lockKey } from '../seat-locks/redis-seat-lock-store';
import { SeatLockStore } from '../seat-locks/seat-lock-store';
import { InProcessRoomStore } from './in-process-room-store';
import { GATE } from './redis-room-scripts';
import { activeKey, inflightKey } from './redis-room-store';
import { HOLD_IN_FLIGHT_MS } from './room-store';

export const HOLD_GATE = Symbol('HOLD_GATE');

export interface GateAnswer {
  /** The user whose soft lock is live on the seat, if any. */
  lockOwner?: number;
  /** Whether the fan may hold: always true when the concert has no room that gates. */
  admitted: boolean;
}

/**
 * What a hold asks before its statement, in one look: whose soft lock is on the seat and, when the
 * seat's concert has a waiting room (`roomConcertId`), whether the fan is admitted. An admitted fan's
 * hold is marked in flight, so no admission tick frees the slot before the hold commits.
 */
export interface HoldGate {
  check(
    seatId: number,
    userId: number,
    roomConcertId: number | undefined,
    nowMs: number,
  ): Promise<GateAnswer>;
}

type GateRedis = Redis & { holdGate(...args: (string | number)[]): Promise<[string, number]> };

/** One Lua script over the lock hash and the room's sets: the room adds no round trip to a hold. */
export class RedisHoldGate implements HoldGate {
  private readonly logger = new Logger(RedisHoldGate.name);
  private readonly redis: GateRedis;

  constructor(
    redis: Redis,
    private readonly locks: SeatLockStore,
  ) {
    redis.defineCommand('holdGate', { numberOfKeys: 3, lua: GATE });
    this.redis = redis as GateRedis;
  }

  async check(
    seatId: number,
    userId: number,
    roomConcertId: number | undefined,
    nowMs: number,
  ): Promise<GateAnswer> {
    if (roomConcertId === undefined)
      return { lockOwner: await this.locks.ownerOf(seatId, nowMs), admitted: true };
    let owner: string;
    let admitted: number;
    try {
      [owner, admitted] = await this.redis.holdGate(
        activeKey(roomConcertId),
        inflightKey(roomConcertId),
        lockKey(seatId),
        userId,
        nowMs + HOLD_IN_FLIGHT_MS,
      );
    } catch (err) {
      // A room that cannot be asked admits nobody: an on-sale must not turn into a free-for-all.
      this.logger.warn(`waiting room unreachable (${String(err)}); holds on gated concerts refused`);
      throw new DomainError(
        'SERVICE_UNAVAILABLE',
        'The waiting room is unavailable right now; retry shortly',
      );
    }
    return { lockOwner: owner === '' ? undefined : Number(owner), admitted: Number(admitted) === 1 };
  }
}

/** Without Redis: both stores are in this process's memory. */
export class InProcessHoldGate implements HoldGate {
  constructor(
    private readonly locks: SeatLockStore,
    private readonly rooms: InProcessRoomStore,
  ) {}

  async check(
    seatId: number,
    userId: number,
    roomConcertId: number | undefined,
    nowMs: number,
  ): Promise<GateAnswer> {
    const lockOwner = await this.locks.ownerOf(seatId, nowMs);
    const admitted = roomConcertId === undefined || this.rooms.admitHold(roomConcertId, userId, nowMs);
    return { lockOwner, admitted };
  }
}
