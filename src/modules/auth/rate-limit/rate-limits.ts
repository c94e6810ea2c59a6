/**
 * The rate limits of the contract ("too many requests (login, holds)" → 429 RATE_LIMITED + Retry-After).
 * Each limit names the one route it guards (method + route pattern, so `/api/auth/login/` or
 * `/API/AUTH/LOGIN`, which the router also sends there, are counted too) and who it counts:
 *   - login: 10 attempts per minute per client IP + username (lower-cased), then blocked for the rest of
 *     the window. Slows password guessing on one account without letting one noisy IP lock everyone out.
 *   - holds: 30 holds per 10 s per authenticated user (anonymous callers count per IP; they get 401 anyway).
 *     Far above what a person clicks; stops a script from sweeping seats.
 * Counters live in Redis when REDIS_URL is set (shared by every instance), else in process memory.
 * RATE_LIMIT_ENABLED=false switches every limit off (tests and benchmarks do).
 */
export interface RateLimit {
  name: 'login' | 'holds';
  method: 'POST';
  routePath: string;
  limit: number;
  ttlMs: number;
  tracker: 'ip+username' | 'user';
}

export const LOGIN_RATE_LIMIT: RateLimit = {
  name: 'login',
  method: 'POST',
  routePath: '/api/auth/login',
  limit: 10,
  ttlMs: 60_000,
  tracker: 'ip+username',
};

export const HOLDS_RATE_LIMIT: RateLimit = {
  name: 'holds',
  method: 'POST',
  routePath: '/api/reservations/v7/holds',
  limit: 30,
  ttlMs: 10_000,
  tracker: 'user',
};

export const RATE_LIMITS: readonly RateLimit[] = [LOGIN_RATE_LIMIT, HOLDS_RATE_LIMIT];
