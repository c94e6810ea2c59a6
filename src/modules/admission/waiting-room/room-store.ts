import { Place, QueueState, RoomConfig, RoomCounts } from './room-config';

/**
 * Where a concert's queue and admissions live: Redis with REDIS_URL (shared by every instance, one Lua
 * script per decision), else this process's memory. The room's configuration is passed in by the caller
 * (RoomDirectory caches it); the store keeps only the queue.
 */
export const ROOM_STORE = Symbol('ROOM_STORE');

export interface Joined {
  place: Place;
  counts: RoomCounts;
  /** False when the fan was already queued or admitted (a repeated join). */
  joined: boolean;
}

export interface TickResult {
  freed: number;
  admitted: { userId: number; joinedAtMs: number | null }[];
  counts: RoomCounts;
}

/** The room after one tick, for the admin console's monitor. */
export interface RoomSample {
  at: Date;
  waitingCount: number;
  activeCount: number;
  /** Fans admitted since the room was first enabled. */
  admittedTotal: number;
}

/** Ticks kept in the history: ten minutes. */
export const HISTORY_TICKS = 600;

export interface RoomStore {
  join(room: RoomConfig, userId: number, nowMs: number): Promise<Joined>;
  /** Places of several fans and the room's counts, in one look (the status call and the rank push). */
  places(concertId: number, userIds: number[]): Promise<{ places: Place[]; counts: RoomCounts }>;
  /** Leaves the queue or frees the admission at once; returns what the fan was. */
  leave(concertId: number, userId: number): Promise<QueueState>;
  /**
   * Whether the fan may start something new (a soft lock, a hold): admitted, and `activeTtlSeconds` not
   * yet over since the admission. Past it a slot kept for a reservation lets the fan finish paying only.
   */
  mayStart(concertId: number, userId: number, nowMs: number): Promise<boolean>;
  /**
   * Applies the room's opensAt now, after an admin changed it: open (cleared, or in the past), the
   * pre-queue is shuffled into the queue at once. Returns the counts after it.
   */
  open(room: RoomConfig, nowMs: number): Promise<RoomCounts>;
  /** The last ten minutes of ticks, oldest first. */
  history(concertId: number): Promise<RoomSample[]>;
  /**
   * Claims this second's tick (one instance per second across all of them): the admitted fans whose
   * slot is due for a look, or undefined when the tick is not the caller's.
   */
  beginTick(concertId: number, nowMs: number): Promise<number[] | undefined>;
  /**
   * Frees `free` (unless a hold of the fan is in flight, or ended since beginTick: its row may be newer
   * than the caller's look at PostgreSQL), keeps `keep` for another look, then admits unless the room is
   * closed (opensAt ahead).
   */
  endTick(room: RoomConfig, nowMs: number, free: number[], keep: number[]): Promise<TickResult>;
}

/** A tick's claim lasts this long: if its instance dies mid-tick, another takes over after it. */
export const TICK_LEASE_MS = 5000;
/** One tick per wall-clock period (a second), whichever instance runs it. */
export const TICK_PERIOD_MS = 1000;
/** A slot kept for a live reservation (or a hold in flight) is looked at again this often. */
export const RECHECK_MS = 1000;
/**
 * A hold's in-flight mark is removed as soon as its statement ends; this bound only clears the mark of
 * an instance that died mid-hold (its statement has long ended by then), so that it cannot keep a slot.
 */
export const HOLD_MARK_CRASH_MS = 15_000;
/** At most this many slots are looked at per tick. */
export const SLOTS_PER_TICK = 2000;
