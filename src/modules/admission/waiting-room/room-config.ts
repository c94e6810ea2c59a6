/** A concert's waiting room as the admin configures it (table waiting_rooms). */
export interface RoomConfig {
  concertId: number;
  enabled: boolean;
  admissionPerMinute: number;
  maxActiveUsers: number;
  activeTtlSeconds: number;
  /** Joins before this instant form a pre-queue, shuffled once when it comes; null: open at once. */
  opensAt: Date | null;
}

export const DEFAULT_ACTIVE_TTL_SECONDS = 600;

export type QueueState = 'WAITING' | 'ACTIVE' | 'NONE';

/** A fan's place, as the queue store reports it. */
export interface Place {
  userId: number;
  status: QueueState;
  /** 1-based while WAITING, 0 when ACTIVE, -1 when NONE; null while WAITING in the pre-queue. */
  rank: number | null;
  /** While ACTIVE: when the admission's own time runs out (a live HOLD/PAYING keeps it past that). */
  activeUntilMs: number | null;
}

/** The room's counts at the same instant as a place. */
export interface RoomCounts {
  waitingCount: number;
  activeCount: number;
}

/** The contract's QueueStatus. */
export interface QueueStatus {
  userId: number;
  concertId: number;
  status: QueueState;
  rank: number | null;
  waitingCount: number;
  estimatedWaitSeconds: number | null;
  activeExpiresAt: Date | null;
}

/**
 * What a fan sees: the estimate is the rank over the admission rate (a lower bound when the room is full:
 * slots free only as admitted fans finish); before opening, the time until opening.
 */
export function queueStatus(room: RoomConfig, place: Place, counts: RoomCounts, nowMs: number): QueueStatus {
  let estimatedWaitSeconds: number | null = null;
  if (place.status === 'ACTIVE') estimatedWaitSeconds = 0;
  else if (place.status === 'WAITING' && place.rank !== null) {
    estimatedWaitSeconds = Math.ceil((place.rank * 60) / room.admissionPerMinute);
  } else if (place.status === 'WAITING' && room.opensAt) {
    estimatedWaitSeconds = Math.max(0, Math.ceil((room.opensAt.getTime() - nowMs) / 1000));
  }
  return {
    userId: place.userId,
    concertId: room.concertId,
    status: place.status,
    rank: place.rank,
    waitingCount: counts.waitingCount,
    estimatedWaitSeconds,
    activeExpiresAt: place.activeUntilMs === null ? null : new Date(place.activeUntilMs),
  };
}

/** A disabled (or never configured) room gates nothing: everyone is ACTIVE at once. */
export function openDoor(concertId: number, userId: number): QueueStatus {
  return {
    userId,
    concertId,
    status: 'ACTIVE',
    rank: 0,
    waitingCount: 0,
    estimatedWaitSeconds: 0,
    activeExpiresAt: null,
  };
}
