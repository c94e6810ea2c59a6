import Redis from 'ioredis';

/** The one Redis client of an instance, or null when REDIS_URL is unset (single-instance mode). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export type RedisClient = Redis | null;

/** Longest pause between reconnect attempts while Redis is away. */
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * Redis is an accelerator, never the truth, so the client must fail fast rather than queue:
 * with the offline queue off and one retry per request, a call made while Redis is down rejects at
 * once and the caller falls back (the expiry sweeper, for instance). Reconnection keeps going in the
 * background forever with a capped back-off, so recovery needs no restart. The URL's path selects the
 * database index (redis://host:6379/9), which ioredis honours.
 */
export function createRedisClient(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  });
}

/**
 * The name of a pub/sub channel for the database index this client selected. Keys live in one index,
 * but Redis delivers a PUBLISH to every subscriber of the channel whatever index it selected, so two
 * deployments (or parallel test workers) sharing one Redis on different indices would hear each other's
 * notices. Index 0 keeps the bare name, so instances from before this rule still hear each other during
 * a rolling restart.
 */
export function channelFor(redis: Redis, channel: string): string {
  const db = redis.options.db ?? 0;
  return db === 0 ? channel : `${channel}:db${db}`;
}

/**
 * Listens to `channel` (named for this client's index, channelFor) on a connection of its own: a
 * subscribed connection takes no other commands. ioredis re-subscribes after a reconnect, and `onReady`
 * runs at every (re)connect, when notices may have been missed. Errors are the main client's to log.
 * Answers the connection (the caller disconnects it at shutdown) and the first subscription.
 */
export function subscribeTo(
  redis: Redis,
  channel: string,
  handlers: { onMessage(message: string): void; onReady(): void },
): { subscriber: Redis; subscribed: Promise<unknown> } {
  const subscriber = redis.duplicate({ enableOfflineQueue: true, lazyConnect: false });
  subscriber.on('message', (_channel: string, message: string) => handlers.onMessage(message));
  subscriber.on('ready', () => handlers.onReady());
  subscriber.on('error', () => undefined);
  return { subscriber, subscribed: subscriber.subscribe(channelFor(redis, channel)).catch(() => undefined) };
}
