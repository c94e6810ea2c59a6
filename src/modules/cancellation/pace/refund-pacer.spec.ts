import { acquirePermit, InProcessRefundPacer } from './refund-pacer';

describe('InProcessRefundPacer (sliding one-second window)', () => {
  it('grants `perSecond` permits, then answers the wait until the oldest leaves the window', () => {
    const pacer = new InProcessRefundPacer(3, () => 0);
    expect([pacer.takeAt(0), pacer.takeAt(100), pacer.takeAt(200)]).toEqual([0, 0, 0]);
    expect(pacer.takeAt(300)).toBe(700); // the grant at 0 leaves at 1000
    expect(pacer.takeAt(999)).toBe(1);
    expect(pacer.takeAt(1000)).toBe(0); // the window is (now − 1000, now]
    expect(pacer.takeAt(1000)).toBe(100); // next to leave: the grant at 100
  });

  it('never lets more than `perSecond` grants into any one-second window, whatever the request pattern', () => {
    const perSecond = 7;
    const pacer = new InProcessRefundPacer(perSecond, () => 0);
    const grants: number[] = [];
    let seed = 42;
    for (let now = 0; now < 20_000; now += 1 + ((seed = (seed * 16807) % 2147483647) % 40)) {
      if (pacer.takeAt(now) === 0) grants.push(now);
    }
    for (let i = perSecond; i < grants.length; i++)
      expect(grants[i] - grants[i - perSecond]).toBeGreaterThanOrEqual(1000);
    expect(grants.length).toBeGreaterThan(perSecond * 19); // and it does not starve: close to the rate
  });

  it('acquirePermit sleeps exactly the answered wait, then takes the permit', async () => {
    let now = 0;
    const pacer = new InProcessRefundPacer(1, () => now);
    const slept: number[] = [];
    await acquirePermit(pacer);
    await acquirePermit(pacer, async (ms) => {
      slept.push(ms);
      now += ms;
    });
    expect(slept).toEqual([1000]);
  });
});
