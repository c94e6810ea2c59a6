import { randomInt } from 'node:crypto';
import type Redis from 'ioredis';
import { DomainError } from '../../../common/errors/domain-error';
import { Place, QueueState, RoomConfig, RoomCounts } from './room-config';
import { BEGIN_TICK, END_TICK, JOIN, LEAVE, MAY_START, OPEN, PLACES } from './redis-room-scripts';
import {
  Joined,
  RECHECK_MS,
  RoomSample,
  RoomStore,
  SLOTS_PER_TICK,
  TICK_PERIOD_MS,
  TICK_LEASE_MS,
  TickResult,
} from './room-store';

/** The room's keys, in the order the scripts expect; the hash tag keeps a room on one cluster slot. */
export function roomKeys(concertId: number): string[] {
  const base = `checkout:room:{${concertId}}`;
  return ['pre', 'queue', 'active', 'until', 'inflight', 'joined', 'meta', 'history', 'settled'].map(
    (k) => `${base}:${k}`,
  );
}
export const activeKey = (concertId: number) => roomKeys(concertId)[2];
export const untilKey = (concertId: number) => roomKeys(concertId)[3];
export const inflightKey = (concertId: number) => roomKeys(concertId)[4];
export const settledKey = (concertId: number) => roomKeys(concertId)[8];

type Reply = (string | number)[];
type RoomRedis = Redis &
  Record<
    'roomJoin' | 'roomPlaces' | 'roomLeave' | 'roomBeginTick' | 'roomEndTick' | 'roomOpen' | 'roomMayStart',
    (...args: (string | number)[]) => Promise<Reply>
  >;

const KEY_COUNT = 9;
const nullable = (v: string | number) => (v === '' ? null : Number(v));

function placeOf(
  userId: number,
  status: string | number,
  rank: string | number,
  until: string | number,
): Place {
  return { userId, status: status as QueueState, rank: nullable(rank), activeUntilMs: nullable(until) };
}

/**
 * The waiting room shared by every instance: each decision is one Lua script (redis-room-scripts.ts).
 * The shuffle's seed is drawn here with crypto, so nobody can predict the order.
 */
export class RedisRoomStore implements RoomStore {
  private readonly redis: RoomRedis;

  constructor(redis: Redis) {
    const scripts = {
      roomJoin: JOIN,
      roomPlaces: PLACES,
      roomLeave: LEAVE,
      roomBeginTick: BEGIN_TICK,
      roomEndTick: END_TICK,
      roomOpen: OPEN,
      roomMayStart: MAY_START,
    };
    for (const [name, lua] of Object.entries(scripts))
      redis.defineCommand(name, { numberOfKeys: KEY_COUNT, lua });
    this.redis = redis as RoomRedis;
  }

  async join(room: RoomConfig, userId: number, nowMs: number): Promise<Joined> {
    const [status, rank, until, waiting, active, joined] = await this.call(() =>
      this.redis.roomJoin(...roomKeys(room.concertId), userId, nowMs, room.opensAt?.getTime() ?? '', seed()),
    );
    return {
      place: placeOf(userId, status, rank, until),
      counts: { waitingCount: Number(waiting), activeCount: Number(active) },
      joined: Number(joined) === 1,
    };
  }

  async places(concertId: number, userIds: number[]): Promise<{ places: Place[]; counts: RoomCounts }> {
    const reply = await this.call(() => this.redis.roomPlaces(...roomKeys(concertId), ...userIds));
    const places = userIds.map((userId, i) =>
      placeOf(userId, reply[2 + 3 * i], reply[3 + 3 * i], reply[4 + 3 * i]),
    );
    return { places, counts: { waitingCount: Number(reply[0]), activeCount: Number(reply[1]) } };
  }

  async leave(concertId: number, userId: number): Promise<QueueState> {
    const was = await this.call(() => this.redis.roomLeave(...roomKeys(concertId), userId));
    return was as unknown as QueueState;
  }

  async history(concertId: number): Promise<RoomSample[]> {
    const entries = await this.call(() => this.redis.lrange(roomKeys(concertId)[7], 0, -1));
    return entries.reverse().map((entry) => {
      const [at, waitingCount, activeCount, admittedTotal] = entry.split(':').map(Number);
      return { at: new Date(at), waitingCount, activeCount, admittedTotal };
    });
  }

  async mayStart(concertId: number, userId: number, nowMs: number): Promise<boolean> {
    const yes = await this.call(() => this.redis.roomMayStart(...roomKeys(concertId), userId, nowMs));
    return Number(yes) === 1;
  }

  async open(room: RoomConfig, nowMs: number): Promise<RoomCounts> {
    const [waiting, active] = await this.call(() =>
      this.redis.roomOpen(...roomKeys(room.concertId), nowMs, room.opensAt?.getTime() ?? '', seed()),
    );
    return { waitingCount: Number(waiting), activeCount: Number(active) };
  }

  /** A fan's call while Redis is away is 503: the room cannot answer, and must not admit by default. */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      if (err instanceof DomainError) throw err;
      throw new DomainError(
        'SERVICE_UNAVAILABLE',
        'The waiting room is unavailable right now; retry shortly',
      );
    }
  }

  async beginTick(concertId: number, nowMs: number): Promise<number[] | undefined> {
    const [ours, ...due] = await this.redis.roomBeginTick(
      ...roomKeys(concertId),
      nowMs,
      TICK_LEASE_MS,
      TICK_PERIOD_MS,
      SLOTS_PER_TICK,
    );
    return Number(ours) === 1 ? due.map(Number) : undefined;
  }

  async endTick(room: RoomConfig, nowMs: number, free: number[], keep: number[]): Promise<TickResult> {
    const [freed, waiting, active, ...admitted] = await this.redis.roomEndTick(
      ...roomKeys(room.concertId),
      nowMs,
      room.admissionPerMinute,
      room.maxActiveUsers,
      room.activeTtlSeconds * 1000,
      room.opensAt?.getTime() ?? '',
      seed(),
      RECHECK_MS,
      free.length,
      ...free,
      ...keep,
    );
    const fans: TickResult['admitted'] = [];
    for (let i = 0; i < admitted.length; i += 2) {
      fans.push({ userId: Number(admitted[i]), joinedAtMs: nullable(admitted[i + 1]) });
    }
    return {
      freed: Number(freed),
      admitted: fans,
      counts: { waitingCount: Number(waiting), activeCount: Number(active) },
    };
  }
}

const seed = () => randomInt(1, 2 ** 31 - 1);
