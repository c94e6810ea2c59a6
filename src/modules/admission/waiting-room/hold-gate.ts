import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { DomainError } from '../../../common/errors/domain-error';
import { lockKey } from '../seat-locks/redis-seat-lock-store';
import { SeatLockStore } from '../seat-locks/seat-lock-store';
import { InProcessRoomStore } from './in-process-room-store';
import { GATE, HOLD_SETTLED } from './redis-room-scripts';
import { activeKey, inflightKey, settledKey, untilKey } from './redis-room-store';
import { HOLD_MARK_CRASH_MS } from './room-store';

export const HOLD_GATE = Symbol('HOLD_GATE');

export interface GateAnswer {
  /** The user whose soft lock is live on the seat, if any. */
  lockOwner?: number;
  /** Whether the fan may hold: always true when the concert has no room that gates. */
  admitted: boolean;
  /** The hold's in-flight mark, when the gate set one: pass it to `settled` once the statement ends. */
  mark?: string;
}

/**
 * What a hold asks before its statement, in one look: whose soft lock is on the seat and, when the
 * seat's concert has a waiting room (`roomConcertId`), whether the fan may start a hold (admitted, and
 * the admission's own time not over). A hold that may go ahead is marked in flight, so that no admission
 * tick frees the slot before the hold commits; `settled` removes the mark as soon as the statement ends,
 * whatever its outcome, so that a refused or failed hold never keeps a slot.
 */
export interface HoldGate {
  check(
    seatId: number,
    userId: number,
    roomConcertId: number | undefined,
    nowMs: number,
  ): Promise<GateAnswer>;
  settled(roomConcertId: number, userId: number, mark: string): Promise<void>;
}

type GateRedis = Redis & {
  holdGate(...args: (string | number)[]): Promise<[string, number]>;
  holdSettled(...args: (string | number)[]): Promise<number>;
};

/** One Lua script over the lock hash and the room's sets: the room adds no round trip before a hold. */
export class RedisHoldGate implements HoldGate {
  private readonly logger = new Logger(RedisHoldGate.name);
  private readonly redis: GateRedis;

  constructor(
    redis: Redis,
    private readonly locks: SeatLockStore,
  ) {
    redis.defineCommand('holdGate', { numberOfKeys: 4, lua: GATE });
    redis.defineCommand('holdSettled', { numberOfKeys: 2, lua: HOLD_SETTLED });
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
    const mark = `${userId}:${randomUUID()}`;
    let owner: string;
    let admitted: number;
    try {
      [owner, admitted] = await this.redis.holdGate(
        activeKey(roomConcertId),
        untilKey(roomConcertId),
        inflightKey(roomConcertId),
        lockKey(seatId),
        userId,
        nowMs,
        mark,
        nowMs + HOLD_MARK_CRASH_MS,
      );
    } catch (err) {
      // A room that cannot be asked admits nobody: an on-sale must not turn into a free-for-all.
      this.logger.warn(`waiting room unreachable (${String(err)}); holds on gated concerts refused`);
      throw new DomainError(
        'SERVICE_UNAVAILABLE',
        'The waiting room is unavailable right now; retry shortly',
      );
    }
    const lockOwner = owner === '' ? undefined : Number(owner);
    const marked = Number(admitted) === 1 && (lockOwner === undefined || lockOwner === userId);
    return { lockOwner, admitted: Number(admitted) === 1, mark: marked ? mark : undefined };
  }

  async settled(roomConcertId: number, userId: number, mark: string): Promise<void> {
    try {
      await this.redis.holdSettled(inflightKey(roomConcertId), settledKey(roomConcertId), mark, userId);
    } catch (err) {
      // The hold's own answer stands; the mark lapses after HOLD_MARK_CRASH_MS.
      this.logger.warn(`hold's in-flight mark not cleared (${String(err)})`);
    }
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
    if (roomConcertId === undefined) return { lockOwner, admitted: true };
    const goesAhead = lockOwner === undefined || lockOwner === userId;
    const admitted = this.rooms.admitHold(roomConcertId, userId, nowMs, goesAhead);
    return { lockOwner, admitted, mark: admitted && goesAhead ? 'in-process' : undefined };
  }

  async settled(roomConcertId: number, userId: number): Promise<void> {
    this.rooms.holdSettled(roomConcertId, userId);
  }
}
