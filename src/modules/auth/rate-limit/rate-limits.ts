/**
 * The rate limits of the contract ("too many requests (login, holds)" → 429 RATE_LIMITED + Retry-After).
 * Each limit names the one route it guards (method + route pattern, so `/api/auth/login/` or
 * `/API/AUTH/LOGIN`, which the router also sends there, are counted too) and who it counts; a route may
 * have several:
 *   - login: 10 attempts per minute per client IP + username (lower-cased), then blocked for the rest of
 *     the window. Slows password guessing on one account without letting one noisy IP lock everyone out.
 *   - login-ip: 30 attempts per minute per client IP, whatever the usernames: one client spraying many
 *     names (each a bcrypt check) cannot slow everyone's login. A household or an office behind one
 *     address still has room for everyone's typo.
 *   - signup: 10 accounts per 10 minutes per client IP: enough for a family, not for an army of
 *     accounts that would each take MAX_ACTIVE_HOLDS_PER_USER seats.
 *   - holds: 30 holds per 10 s per authenticated user (anonymous callers count per IP; they get 401 anyway).
 *     Far above what a person clicks; stops a script from sweeping seats.
 *   - orders: the same for orders (POST /api/orders), 30 per 10 s per user, a counter of its own so that a
 *     fan's holds and orders do not eat each other's room.
 *   - admin-refused (ADMIN_REFUSAL_RATE_LIMIT, not a route's): 20 calls a minute per user to admin routes
 *     the user's role may not use, then 429 and nothing recorded. A USER's refund override still writes
 *     its DENIED audit row, but not without bound (counted by AdminRefusalLimit, in the auth guard).
 *   - seat-locks: 30 lock calls (acquire and release together) per 10 s per user: a fan clicking seats
 *     stays far below; a script cycling locks (132 a second were seen) does not.
 * Counters live in Redis when REDIS_URL is set (shared by every instance), else in process memory.
 * RATE_LIMIT_ENABLED=false switches every limit off (tests and benchmarks do).
 */
export interface RateLimit {
  name: 'login' | 'login-ip' | 'signup' | 'holds' | 'orders' | 'seat-locks';
  /** Several methods of one route share one counter. */
  method: 'POST' | readonly ('POST' | 'DELETE')[];
  routePath: string;
  limit: number;
  ttlMs: number;
  tracker: 'ip+username' | 'ip' | 'user';
}

export const LOGIN_RATE_LIMIT: RateLimit = {
  name: 'login',
  method: 'POST',
  routePath: '/api/auth/login',
  limit: 10,
  ttlMs: 60_000,
  tracker: 'ip+username',
};

export const LOGIN_IP_RATE_LIMIT: RateLimit = {
  name: 'login-ip',
  method: 'POST',
  routePath: '/api/auth/login',
  limit: 30,
  ttlMs: 60_000,
  tracker: 'ip',
};

export const SIGNUP_RATE_LIMIT: RateLimit = {
  name: 'signup',
  method: 'POST',
  routePath: '/api/auth/signup',
  limit: 10,
  ttlMs: 600_000,
  tracker: 'ip',
};

export const HOLDS_RATE_LIMIT: RateLimit = {
  name: 'holds',
  method: 'POST',
  routePath: '/api/reservations/v7/holds',
  limit: 30,
  ttlMs: 10_000,
  tracker: 'user',
};

export const ORDERS_RATE_LIMIT: RateLimit = {
  name: 'orders',
  method: 'POST',
  routePath: '/api/orders',
  limit: 30,
  ttlMs: 10_000,
  tracker: 'user',
};

export const SEAT_LOCKS_RATE_LIMIT: RateLimit = {
  name: 'seat-locks',
  method: ['POST', 'DELETE'],
  routePath: '/api/reservations/v7/locks/seats/:seatId',
  limit: 30,
  ttlMs: 10_000,
  tracker: 'user',
};

export const RATE_LIMITS: readonly RateLimit[] = [
  LOGIN_RATE_LIMIT,
  LOGIN_IP_RATE_LIMIT,
  SIGNUP_RATE_LIMIT,
  HOLDS_RATE_LIMIT,
  ORDERS_RATE_LIMIT,
  SEAT_LOCKS_RATE_LIMIT,
];

/** Not tied to one route: every admin route called by a user below its role counts (AdminRefusalLimit). */
export const ADMIN_REFUSAL_RATE_LIMIT = { name: 'admin-refused', limit: 20, ttlMs: 60_000 } as const;
