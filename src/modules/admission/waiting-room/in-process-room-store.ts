import { randomInt } from 'node:crypto';
import { Place, QueueState, RoomConfig, RoomCounts } from './room-config';
import {
  HISTORY_TICKS,
  Joined,
  RECHECK_MS,
  RoomSample,
  RoomStore,
  SLOTS_PER_TICK,
  TICK_PERIOD_MS,
  TICK_LEASE_MS,
  TickResult,
} from './room-store';

/** One concert's queue in memory, the same fields as the Redis keys (redis-room-scripts.ts). */
class Room {
  readonly pre = new Map<number, number>();
  /** Waiting fans in admission order, each once (leave removes; admitted entries are sliced off). */
  order: number[] = [];
  readonly waiting = new Set<number>();
  readonly active = new Map<number, number>();
  readonly until = new Map<number, number>();
  /** Holds in flight per fan (gate passed, statement not ended): the process ends them all if it dies. */
  readonly inflight = new Map<number, number>();
  /** Fans a hold of whom ended since the tick last looked at their slot (see END_TICK). */
  readonly settled = new Set<number>();
  readonly joined = new Map<number, number>();
  lastTick?: number;
  credit = 0;
  lease = 0;
  admittedTotal = 0;
  readonly history: RoomSample[] = [];

  counts(): RoomCounts {
    return { waitingCount: this.waiting.size + this.pre.size, activeCount: this.active.size };
  }

  /** Ranks of the waiting fans asked for, in one walk of the queue. */
  ranks(of: Set<number>): Map<number, number> {
    const ranks = new Map<number, number>();
    let rank = 0;
    for (const user of this.order) {
      if (!this.waiting.has(user)) continue;
      rank++;
      if (of.has(user)) ranks.set(user, rank);
      if (ranks.size === of.size) break;
    }
    return ranks;
  }

  place(user: number, ranks: Map<number, number>): Place {
    if (this.active.has(user)) {
      return { userId: user, status: 'ACTIVE', rank: 0, activeUntilMs: this.until.get(user) ?? null };
    }
    if (this.waiting.has(user))
      return { userId: user, status: 'WAITING', rank: ranks.get(user)!, activeUntilMs: null };
    if (this.pre.has(user)) return { userId: user, status: 'WAITING', rank: null, activeUntilMs: null };
    return { userId: user, status: 'NONE', rank: -1, activeUntilMs: null };
  }

  enqueue(user: number): void {
    this.waiting.add(user);
    this.order.push(user);
  }

  /**
   * Whenever the room is open, the pre-queue in a uniformly random order (Fisher–Yates with crypto
   * randomness), behind the fans already queued and ahead of later joins.
   */
  openIfDue(room: RoomConfig, nowMs: number): void {
    if (isClosed(room, nowMs) || this.pre.size === 0) return;
    const early = [...this.pre.keys()];
    for (let i = early.length - 1; i > 0; i--) {
      const j = randomInt(0, i + 1);
      [early[i], early[j]] = [early[j], early[i]];
    }
    this.pre.clear();
    early.forEach((user) => this.enqueue(user));
  }

  popFront(n: number): number[] {
    const taken: number[] = [];
    let i = 0;
    for (; i < this.order.length && taken.length < n; i++) {
      const user = this.order[i];
      if (this.waiting.delete(user)) taken.push(user);
    }
    this.order = this.order.slice(i);
    return taken;
  }
}

/** Closed while opensAt is ahead: joins wait in the pre-queue and nobody is admitted. */
const isClosed = (room: RoomConfig, nowMs: number) => room.opensAt !== null && nowMs < room.opensAt.getTime();

/** Without REDIS_URL: the same rules as RedisRoomStore, in this process (one instance). */
export class InProcessRoomStore implements RoomStore {
  private readonly rooms = new Map<number, Room>();

  async join(config: RoomConfig, userId: number, nowMs: number): Promise<Joined> {
    const room = this.room(config.concertId);
    room.openIfDue(config, nowMs);
    let joined = false;
    if (!room.active.has(userId) && !room.waiting.has(userId) && !room.pre.has(userId)) {
      if (isClosed(config, nowMs)) room.pre.set(userId, nowMs);
      else room.enqueue(userId);
      room.joined.set(userId, nowMs);
      joined = true;
    }
    return { place: room.place(userId, room.ranks(new Set([userId]))), counts: room.counts(), joined };
  }

  async places(concertId: number, userIds: number[]): Promise<{ places: Place[]; counts: RoomCounts }> {
    const room = this.room(concertId);
    const ranks = room.ranks(new Set(userIds));
    return { places: userIds.map((u) => room.place(u, ranks)), counts: room.counts() };
  }

  async leave(concertId: number, userId: number): Promise<QueueState> {
    const room = this.room(concertId);
    const was = room.place(userId, new Map([[userId, 0]])).status;
    // Out of the order too: joining again appends the fan, and a stale entry ahead would count twice.
    if (room.waiting.delete(userId)) room.order = room.order.filter((user) => user !== userId);
    room.pre.delete(userId);
    room.active.delete(userId);
    room.until.delete(userId);
    room.settled.delete(userId);
    room.joined.delete(userId);
    return was;
  }

  async history(concertId: number): Promise<RoomSample[]> {
    return [...this.room(concertId).history];
  }

  async mayStart(concertId: number, userId: number, nowMs: number): Promise<boolean> {
    const room = this.room(concertId);
    return room.active.has(userId) && (room.until.get(userId) ?? 0) > nowMs;
  }

  async open(config: RoomConfig, nowMs: number): Promise<RoomCounts> {
    const room = this.room(config.concertId);
    room.openIfDue(config, nowMs);
    return room.counts();
  }

  /** The gate of a hold (see HoldGate): may start, and if the hold goes ahead it is marked in flight. */
  admitHold(concertId: number, userId: number, nowMs: number, goesAhead: boolean): boolean {
    const room = this.room(concertId);
    if (!room.active.has(userId) || (room.until.get(userId) ?? 0) <= nowMs) return false;
    if (goesAhead) room.inflight.set(userId, (room.inflight.get(userId) ?? 0) + 1);
    return true;
  }

  /** The hold's statement ended, whatever its outcome: its mark goes (see HoldGate.settled). */
  holdSettled(concertId: number, userId: number): void {
    const room = this.room(concertId);
    const left = (room.inflight.get(userId) ?? 0) - 1;
    if (left > 0) room.inflight.set(userId, left);
    else room.inflight.delete(userId);
    room.settled.add(userId);
  }

  async beginTick(concertId: number, nowMs: number): Promise<number[] | undefined> {
    const room = this.room(concertId);
    if (room.lease > nowMs) return undefined;
    const period = (ms: number) => Math.floor(ms / TICK_PERIOD_MS);
    if (room.lastTick !== undefined && period(nowMs) <= period(room.lastTick)) return undefined;
    room.lease = nowMs + TICK_LEASE_MS;
    const due: number[] = [];
    for (const [user, at] of room.active) if (at <= nowMs && due.length < SLOTS_PER_TICK) due.push(user);
    for (const user of due) room.settled.delete(user);
    return due;
  }

  async endTick(config: RoomConfig, nowMs: number, free: number[], keep: number[]): Promise<TickResult> {
    const room = this.room(config.concertId);
    let freed = 0;
    for (const user of free) {
      const at = room.active.get(user);
      if (at === undefined || at > nowMs) continue;
      if (room.inflight.has(user) || room.settled.has(user)) room.active.set(user, nowMs + RECHECK_MS);
      else {
        room.active.delete(user);
        room.until.delete(user);
        freed++;
      }
    }
    for (const user of keep) if (room.active.has(user)) room.active.set(user, nowMs + RECHECK_MS);
    room.openIfDue(config, nowMs);

    const elapsed = room.lastTick === undefined ? 1000 : Math.max(0, Math.min(nowMs - room.lastTick, 5000));
    let credit = room.credit + (config.admissionPerMinute * elapsed) / 60000;
    const due = Math.floor(credit + 1e-9);
    const waiting = isClosed(config, nowMs) ? 0 : room.waiting.size;
    const n = Math.min(due, Math.max(0, config.maxActiveUsers - room.active.size), waiting);
    const admitted = room.popFront(n).map((userId) => {
      const ttlEnd = nowMs + config.activeTtlSeconds * 1000;
      room.active.set(userId, ttlEnd);
      room.until.set(userId, ttlEnd);
      const joinedAtMs = room.joined.get(userId) ?? null;
      room.joined.delete(userId);
      return { userId, joinedAtMs };
    });
    credit -= n;
    if (n < due) credit -= Math.floor(credit); // limited by the queue or the cap: bank no whole fan
    room.credit = credit;
    room.lastTick = nowMs;
    room.lease = 0;
    room.admittedTotal += n;
    room.history.push({ at: new Date(nowMs), ...room.counts(), admittedTotal: room.admittedTotal });
    if (room.history.length > HISTORY_TICKS) room.history.shift();
    return { freed, admitted, counts: room.counts() };
  }

  private room(concertId: number): Room {
    let room = this.rooms.get(concertId);
    if (!room) this.rooms.set(concertId, (room = new Room()));
    return room;
  }
}
