/**
 * Where hold deadlines wait to fire. With REDIS_URL it is a Redis sorted set shared by every instance;
 * without, an in-process timer queue. Either way PostgreSQL stays the truth: the sweeper catches
 * anything a queue lost, and expiring (like warning) is a conditional update, so a duplicate or late
 * signal is harmless.
 */
export const EXPIRY_QUEUE = Symbol('EXPIRY_QUEUE');

export interface ExpiryQueue {
  /**
   * Remember that `reservationId` is due at `dueAt`, and its HOLD_EXPIRING warning
   * HOLD_EXPIRY_WARNING_SECONDS before. Never throws: failures are logged (the sweeper covers).
   */
  add(reservationId: number, dueAt: Date): Promise<void>;
  /** Forget it and its warning (confirmed or cancelled). Never throws. */
  remove(reservationId: number): Promise<void>;
}

/** A queue member: `<id>` expires the hold, `w:<id>` warns that it is about to. */
const WARNING_PREFIX = 'w:';

/** The members (with their due times in ms) that one hold puts in the queue. */
export function membersOf(
  reservationId: number,
  dueMs: number,
  warningMs: number,
  warned = false,
): [string, number][] {
  const members: [string, number][] = [[String(reservationId), dueMs]];
  if (warningMs > 0 && !warned) members.push([WARNING_PREFIX + reservationId, dueMs - warningMs]);
  return members;
}

export const allMembersOf = (reservationId: number): string[] => [
  String(reservationId),
  WARNING_PREFIX + reservationId,
];

/** Splits claimed members into holds to expire and holds to warn. */
export function splitMembers(members: string[]): { expire: number[]; warn: number[] } {
  const expire: number[] = [];
  const warn: number[] = [];
  for (const m of members) {
    if (m.startsWith(WARNING_PREFIX)) warn.push(Number(m.slice(WARNING_PREFIX.length)));
    else expire.push(Number(m));
  }
  return { expire, warn };
}
