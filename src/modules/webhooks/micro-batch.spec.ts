import { MicroBatch } from './micro-batch';

describe('MicroBatch (outcomes recorded together)', () => {
  it('hands calls of one turn to one flush and answers each with its own result', async () => {
    const flushes: number[][] = [];
    const batch = new MicroBatch(async (items: number[]) => {
      flushes.push(items);
      await Promise.resolve();
      return items.map((n) => n * 10);
    });
    const answers = await Promise.all([1, 2, 3].map((n) => batch.add(n)));
    expect(answers).toEqual([10, 20, 30]);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it('what arrives during a flush goes in the next one, never in parallel; a failed flush fails its callers only', async () => {
    let running = 0;
    let most = 0;
    const flushes: number[][] = [];
    const batch = new MicroBatch(async (items: number[]) => {
      running++;
      most = Math.max(most, running);
      flushes.push(items);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      if (items.includes(13)) throw new Error('database said no');
      return items;
    }, 2);
    const settled = (p: Promise<number>) =>
      p.then(
        (v) => `ok ${v}`,
        (e: Error) => `failed: ${e.message}`,
      );
    const first = [1, 2, 3].map((n) => settled(batch.add(n)));
    await new Promise((r) => setTimeout(r, 5)); // the flush of [1, 2] is running
    const late = settled(batch.add(13));
    expect(await Promise.all([...first, late])).toEqual([
      'ok 1',
      'ok 2',
      'failed: database said no',
      'failed: database said no',
    ]);
    expect(most).toBe(1);
    expect(flushes).toEqual([
      [1, 2],
      [3, 13],
    ]);
  });
});
