import Redis from 'ioredis';
import { RedisRefundPacer } from '../../src/modules/cancellation/pace/redis-refund-pacer';
import { TEST_REDIS_URL } from '../support/test-env';

/**
 * The shared pace on the real Redis: several "instances" (clients of their own) asking at once never get
 * more than MASS_REFUND_PER_SECOND permits in any one-second window, and together they reach that rate.
 */
describe('RedisRefundPacer (one Lua script, Redis time)', () => {
  const clients: Redis[] = [];
  const client = () => {
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: false });
    clients.push(redis);
    return redis;
  };

  beforeAll(async () => {
    await client().del(RedisRefundPacer.WINDOW_KEY, `${RedisRefundPacer.WINDOW_KEY}:seq`);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('three instances with eight callers each stay within 50 permits in any one-second window', async () => {
    const perSecond = 50;
    const pacers = [client(), client(), client()].map((redis) => new RedisRefundPacer(redis, perSecond));
    // Each grant happened somewhere between the call and its answer (local times around Redis's).
    const grants: { from: number; to: number }[] = [];
    const until = Date.now() + 2500;
    await Promise.all(
      pacers.flatMap((pacer) =>
        Array.from({ length: 8 }, async () => {
          while (Date.now() < until) {
            let from = Date.now();
            while ((await pacer.tryTake(1)).granted === 0) {
              await new Promise((r) => setTimeout(r, 5));
              from = Date.now();
            }
            grants.push({ from, to: Date.now() });
          }
        }),
      ),
    );
    // Grants provably inside one second (all of their intervals fit in [start, start + 1000)) never
    // number more than the pace: a sound check however late the event loop delivered the answers.
    grants.sort((a, b) => a.from - b.from);
    let worst = 0;
    for (const first of grants) {
      const inside = grants.filter((g) => g.from >= first.from && g.to < first.from + 1000).length;
      worst = Math.max(worst, inside);
    }
    expect(worst).toBeLessThanOrEqual(perSecond);
    // And the pace is used, not starved: about 2.5 s × 50 (the first window starts full).
    expect(grants.length).toBeGreaterThanOrEqual(perSecond * 2);
    expect(grants.length).toBeLessThanOrEqual(perSecond * 3 + 24);
  }, 20_000);

  it('grants part of a larger ask and answers the wait until the oldest permit leaves the window', async () => {
    const redis = client();
    await redis.del(RedisRefundPacer.WINDOW_KEY);
    const pacer = new RedisRefundPacer(redis, 250);
    expect(await pacer.tryTake(1)).toEqual({ granted: 1, waitMs: 0 });
    expect(await pacer.tryTake(200)).toEqual({ granted: 200, waitMs: 0 }); // members added 100 at a time
    const short = await pacer.tryTake(80);
    expect(short.granted).toBe(49);
    expect(short.waitMs).toBeGreaterThan(900);
    expect(short.waitMs).toBeLessThanOrEqual(1000);
    expect(await redis.zcard(RedisRefundPacer.WINDOW_KEY)).toBe(250);
    expect((await pacer.tryTake(1)).granted).toBe(0);
  });
});
