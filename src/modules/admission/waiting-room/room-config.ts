/** A concert's waiting room as the admin configures it (table waiting_rooms). */
export interface RoomConfig {
  concertId: number;
  enabled: boolean;
  admissionPerMinute: number;
  maxActiveUsers: number;
  activeTtlSeconds: number;
  /**
   * While this instant is ahead the room is closed: joins form a pre-queue, shuffled into the queue when
   * it comes (or is cleared), and nobody is admitted. null: open.
   */
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
 * slots free only as admitted fans finish), plus the time until opening while the room is closed (opensAt
 * ahead: admission pauses until then); in the pre-queue, the time until opening alone.
 */
export function queueStatus(room: RoomConfig, place: Place, counts: RoomCounts, nowMs: number): QueueStatus {
  const untilOpening = room.opensAt ? Math.max(0, Math.ceil((room.opensAt.getTime() - nowMs) / 1000)) : 0;
  let estimatedWaitSeconds: number | null = null;
  if (place.status === 'ACTIVE') estimatedWaitSeconds = 0;
  else if (place.status === 'WAITING' && place.rank !== null) {
    estimatedWaitSeconds = untilOpening + Math.ceil((place.rank * 60) / room.admissionPerMinute);
  } else if (place.status === 'WAITING' && room.opensAt) estimatedWaitSeconds = untilOpening;
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
