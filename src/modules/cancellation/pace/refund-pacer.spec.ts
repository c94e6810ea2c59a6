import { InProcessRefundPacer, PermitQueue } from './refund-pacer';

describe('InProcessRefundPacer (sliding one-second window)', () => {
  it('grants `perSecond` permits, then answers the wait until the oldest leaves the window', () => {
    const pacer = new InProcessRefundPacer(3, () => 0);
    expect([pacer.takeAt(0), pacer.takeAt(100), pacer.takeAt(200)]).toEqual([
      { granted: 1, waitMs: 0 },
      { granted: 1, waitMs: 0 },
      { granted: 1, waitMs: 0 },
    ]);
    expect(pacer.takeAt(300)).toEqual({ granted: 0, waitMs: 700 }); // the grant at 0 leaves at 1000
    expect(pacer.takeAt(999)).toEqual({ granted: 0, waitMs: 1 });
    expect(pacer.takeAt(1000)).toEqual({ granted: 1, waitMs: 0 }); // the window is (now − 1000, now]
    expect(pacer.takeAt(1000)).toEqual({ granted: 0, waitMs: 100 }); // next to leave: the grant at 100
  });

  it('grants part of a larger ask, up to the window, and says how long until the next permit', () => {
    const pacer = new InProcessRefundPacer(5, () => 0);
    expect(pacer.takeAt(0, 3)).toEqual({ granted: 3, waitMs: 0 });
    expect(pacer.takeAt(400, 4)).toEqual({ granted: 2, waitMs: 600 });
    expect(pacer.takeAt(1000, 9)).toEqual({ granted: 3, waitMs: 400 }); // the three of 0 left; two of 400 stay
  });

  it('never lets more than `perSecond` grants into any one-second window, whatever the request pattern', () => {
    const perSecond = 7;
    const pacer = new InProcessRefundPacer(perSecond, () => 0);
    const grants: number[] = [];
    let seed = 42;
    for (let now = 0; now < 20_000; now += 1 + ((seed = (seed * 16807) % 2147483647) % 40)) {
      const { granted } = pacer.takeAt(now, 1 + (seed % 4));
      for (let i = 0; i < granted; i++) grants.push(now);
    }
    for (let i = perSecond; i < grants.length; i++)
      expect(grants[i] - grants[i - perSecond]).toBeGreaterThanOrEqual(1000);
    expect(grants.length).toBeGreaterThan(perSecond * 19); // and it does not starve: close to the rate
  });
});

describe('PermitQueue (one instance’s callers, in arrival order)', () => {
  it('asks once for every caller waiting, sleeps the answered wait, and serves callers first come first', async () => {
    let now = 0;
    const pacer = new InProcessRefundPacer(2, () => now);
    const asks: number[] = [];
    const slept: number[] = [];
    const queue = new PermitQueue({ tryTake: (n) => (asks.push(n), pacer.tryTake(n)) }, async (ms) => {
      slept.push(ms);
      now += ms;
    });
    const served: number[] = [];
    await Promise.all([1, 2, 3, 4, 5].map((n) => queue.acquire().then(() => served.push(n))));
    expect(served).toEqual([1, 2, 3, 4, 5]);
    expect(asks).toEqual([5, 3, 1]); // 2 granted, then (after a second) 2, then (after another) the last
    expect(slept).toEqual([1000, 1000]);
  });

  it('rejects the callers waiting when the pacer cannot be asked, and serves later callers again', async () => {
    let down = true;
    const queue = new PermitQueue({
      tryTake: async (n) => {
        if (down) throw new Error('redis away');
        return { granted: n, waitMs: 0 };
      },
    });
    await expect(Promise.all([queue.acquire(), queue.acquire()])).rejects.toThrow('redis away');
    down = false;
    await expect(queue.acquire()).resolves.toBeUndefined();
  });
});
