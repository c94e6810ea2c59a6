import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../../../../test/support/test-env';
import { RedisThrottlerStorage } from './redis-throttler.storage';

describe('RedisThrottlerStorage', () => {
  let redis: Redis;
  let storage: RedisThrottlerStorage;
  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    await redis.flushdb();
    storage = new RedisThrottlerStorage(redis);
  });
  afterAll(async () => {
    await redis.flushdb();
    redis.disconnect();
    storage.onApplicationShutdown();
  });

  it('counts hits in a window, blocks past the limit for blockDuration, then lets through again', async () => {
    const hit = () => storage.increment('k1', 400, 2, 300, 'login');
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
    expect(await hit()).toMatchObject({ totalHits: 2, isBlocked: false });
    const blocked = await hit();
    expect(blocked).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 1 });
    expect(await redis.pttl('throttle:login:k1:blocked')).toBeGreaterThan(0);
    expect((await hit()).isBlocked).toBe(true);
    await new Promise((r) => setTimeout(r, 450));
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('lets at most `limit` calls through in any window, also across where a fixed window would end', async () => {
    let now = 1_000_000;
    const clocked = new RedisThrottlerStorage(redis, () => now);
    const hit = () => clocked.increment('k6', 10_000, 3, 10_000, 'seat-locks');
    expect((await hit()).isBlocked).toBe(false); // at 0 s
    now += 6000;
    expect((await hit()).isBlocked).toBe(false);
    expect((await hit()).isBlocked).toBe(false); // 3 in [0 s, 6 s]
    expect((await hit()).isBlocked).toBe(true);
    await redis.del('throttle:seat-locks:k6:blocked'); // the block aside: only the window counts now
    now += 5000; // 11 s: the call at 0 s has left the window, the two at 6 s have not
    expect(await hit()).toMatchObject({ totalHits: 3, isBlocked: false });
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true });
    clocked.onApplicationShutdown();
  });

  it('keeps keys and throttler names apart', async () => {
    await storage.increment('k2', 10_000, 1, 10_000, 'login');
    expect((await storage.increment('k2', 10_000, 1, 10_000, 'login')).isBlocked).toBe(true);
    expect((await storage.increment('k3', 10_000, 1, 10_000, 'login')).isBlocked).toBe(false);
    expect((await storage.increment('k2', 10_000, 1, 10_000, 'holds')).isBlocked).toBe(false);
  });

  it('is atomic under concurrency: exactly `limit` of 50 parallel hits pass', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => storage.increment('k4', 10_000, 7, 10_000, 'holds')),
    );
    expect(results.filter((r) => !r.isBlocked)).toHaveLength(7);
  });

  it('falls back to per-process memory when Redis is unreachable, still limiting', async () => {
    const down = new Redis('redis://127.0.0.1:1/0', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on('error', () => undefined);
    const offline = new RedisThrottlerStorage(down);
    // The fallback is announced once, as a warning (captured here rather than printed in the run).
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const hits = [];
      for (let i = 0; i < 3; i++) hits.push(await offline.increment('k5', 10_000, 2, 10_000, 'login'));
      expect(hits.map((h) => h.isBlocked)).toEqual([false, false, true]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/^redis unavailable, rate limits are per instance/);
    } finally {
      warn.mockRestore();
      offline.onApplicationShutdown();
      down.disconnect();
    }
  });
});
