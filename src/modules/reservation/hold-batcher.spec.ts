import { HoldBatcher, HoldRequest } from './hold-batcher';

interface Row extends HoldRequest {
  id: number;
}

/**
 * A stand-in for the statement that records each batch and lets the test decide when it "commits".
 * It claims every requested seat once, first request first, as the SQL does.
 */
class ScriptedStatement {
  readonly batches: HoldRequest[][] = [];
  private readonly pending: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  failWhen: (batch: HoldRequest[]) => boolean = () => false;
  failure = '';
  private nextId = 1;

  readonly run = (batch: HoldRequest[]): Promise<Row[]> => {
    this.batches.push(batch);
    return new Promise<Row[]>((resolve, reject) => {
      this.pending.push({
        resolve: () => {
          const seats = new Set<number>();
          const rows: Row[] = [];
          for (const r of batch) {
            if (seats.has(r.seatId)) continue;
            seats.add(r.seatId);
            rows.push({ ...r, id: this.nextId++ });
          }
          resolve(rows);
        },
        reject,
      });
    }).then((rows) => {
      if (this.failWhen(batch)) throw new Error(this.failure || `batch of ${batch.length} failed`);
      return rows;
    });
  };

  /** Lets the oldest running batch finish, then lets the batcher react. */
  async commitOldest(): Promise<void> {
    this.pending.shift()!.resolve();
    await flush();
  }
}

/** The scripted failures below stand for a row's fault unless they say the database is down. */
const retryAlone = (err: unknown) => !String(err).includes('down');

const flush = () => new Promise((r) => setImmediate(r));

describe('HoldBatcher', () => {
  it('sends a lone hold at once, and what arrives meanwhile as one batch when a slot frees', async () => {
    const db = new ScriptedStatement();
    const batcher = new HoldBatcher(db.run, { maxInFlight: 1, maxBatch: 100, onePerUser: false, retryAlone });
    const first = batcher.hold({ userId: 1, seatId: 10 });
    expect(db.batches).toEqual([[{ userId: 1, seatId: 10 }]]);

    const later = [2, 3, 4].map((u) => batcher.hold({ userId: u, seatId: 10 + u }));
    expect(db.batches).toHaveLength(1); // waiting for the one in the database
    await db.commitOldest();
    expect(await first).toMatchObject({ userId: 1, seatId: 10 });
    expect(db.batches[1]).toEqual([2, 3, 4].map((u) => ({ userId: u, seatId: 10 + u })));

    await db.commitOldest();
    expect((await Promise.all(later)).map((r) => r?.seatId)).toEqual([12, 13, 14]);
  });

  it('keeps at most maxInFlight batches in the database and at most maxBatch holds in one', async () => {
    const db = new ScriptedStatement();
    const batcher = new HoldBatcher(db.run, { maxInFlight: 2, maxBatch: 3, onePerUser: false, retryAlone });
    const all = Array.from({ length: 9 }, (_, i) => batcher.hold({ userId: i, seatId: i }));
    expect(db.batches.map((b) => b.length)).toEqual([1, 1]); // two free slots: two lone holds
    await db.commitOldest();
    expect(db.batches.map((b) => b.length)).toEqual([1, 1, 3]);
    await db.commitOldest();
    expect(db.batches.map((b) => b.length)).toEqual([1, 1, 3, 3]);
    await db.commitOldest();
    await db.commitOldest();
    expect(db.batches.map((b) => b.length)).toEqual([1, 1, 3, 3, 1]);
    await db.commitOldest();
    expect((await Promise.all(all)).every((r) => r !== undefined)).toBe(true);
  });

  it('with a per-user cap, a user has one hold in the database at a time; the others keep their turn', async () => {
    const db = new ScriptedStatement();
    const batcher = new HoldBatcher(db.run, { maxInFlight: 2, maxBatch: 100, onePerUser: true, retryAlone });
    void batcher.hold({ userId: 1, seatId: 1 });
    void batcher.hold({ userId: 1, seatId: 2 });
    void batcher.hold({ userId: 2, seatId: 3 });
    void batcher.hold({ userId: 1, seatId: 4 });
    // user 1's first is in flight; the second slot takes user 2 only.
    expect(db.batches).toEqual([[{ userId: 1, seatId: 1 }], [{ userId: 2, seatId: 3 }]]);
    await db.commitOldest();
    expect(db.batches[2]).toEqual([{ userId: 1, seatId: 2 }]);
    await db.commitOldest();
    await db.commitOldest();
    expect(db.batches[3]).toEqual([{ userId: 1, seatId: 4 }]);
  });

  it('answers a double submit in one batch once: the second request claimed nothing', async () => {
    const db = new ScriptedStatement();
    const batcher = new HoldBatcher(db.run, { maxInFlight: 1, maxBatch: 100, onePerUser: false, retryAlone });
    void batcher.hold({ userId: 9, seatId: 1 });
    const twice = [batcher.hold({ userId: 5, seatId: 2 }), batcher.hold({ userId: 5, seatId: 2 })];
    await db.commitOldest();
    await db.commitOldest();
    const [a, b] = await Promise.all(twice);
    expect(a).toMatchObject({ userId: 5, seatId: 2 });
    expect(b).toBeUndefined();
  });

  it('retries a failed batch one hold at a time, so only the hold that fails gets the error', async () => {
    const db = new ScriptedStatement();
    db.failWhen = (batch) => batch.some((r) => r.seatId === 666);
    const batcher = new HoldBatcher(db.run, { maxInFlight: 1, maxBatch: 100, onePerUser: false, retryAlone });
    void batcher.hold({ userId: 1, seatId: 1 });
    const outcomes = [5, 666, 7].map((seatId) =>
      batcher.hold({ userId: seatId, seatId }).then(
        (row) => `ok ${row?.seatId}`,
        (err: Error) => `error ${err.message}`,
      ),
    );
    await db.commitOldest(); // the lone first hold
    await db.commitOldest(); // the batch of three fails
    for (let i = 0; i < 3; i++) await db.commitOldest(); // one by one
    expect(await Promise.all(outcomes)).toEqual(['ok 5', 'error batch of 1 failed', 'ok 7']);
    expect(db.batches.map((b) => b.length)).toEqual([1, 3, 1, 1, 1]);
  });

  it('fails every hold of a batch at once when the database itself is the problem', async () => {
    const db = new ScriptedStatement();
    db.failWhen = (batch) => batch.length > 1;
    db.failure = 'database down';
    const batcher = new HoldBatcher(db.run, { maxInFlight: 1, maxBatch: 100, onePerUser: false, retryAlone });
    void batcher.hold({ userId: 1, seatId: 1 });
    const outcomes = [5, 6, 7].map((seatId) =>
      batcher.hold({ userId: seatId, seatId }).then(
        () => 'ok',
        (err: Error) => err.message,
      ),
    );
    await db.commitOldest();
    await db.commitOldest();
    expect(await Promise.all(outcomes)).toEqual(['database down', 'database down', 'database down']);
    expect(db.batches.map((b) => b.length)).toEqual([1, 3]);
  });
});
