/** One caller's hold, as the batch statement takes it. */
export interface HoldRequest {
  userId: number;
  seatId: number;
  /** The client address, for the per-IP limit (undefined: not counted). */
  ip?: string;
}

/** Runs one batch; returns the rows it created: at most one per seat, matched to its request by userId. */
export type RunHoldBatch<Row extends HoldRequest> = (batch: HoldRequest[]) => Promise<Row[]>;

interface Waiting<Row> {
  request: HoldRequest;
  resolve: (row: Row | undefined) => void;
  reject: (err: unknown) => void;
}

export interface HoldBatcherOptions {
  /** Batches in the database at once; the rest wait and join the next batch. */
  maxInFlight: number;
  maxBatch: number;
  /**
   * True when a per-user cap applies. The cap is counted in the statement's snapshot, which cannot see
   * holds the same statement inserts, so a user then has at most one hold in the database at a time
   * (per instance); their other holds wait for the next batch, which sees the first one committed.
   */
  onePerUser: boolean;
  /** Whether a failed batch is worth retrying one hold at a time (a row's fault, not the database's). */
  retryAlone: (err: unknown) => boolean;
  /** Told the number of holds waiting for a batch slot whenever it changes (a gauge). */
  queued?: { set(holds: number): void };
}

/**
 * Group commit for holds. Each hold used to be its own transaction, and on this machine the per-
 * transaction costs (a round trip, a WAL flush at commit, a syscall each way, statement start-up) were
 * most of what a hold cost PostgreSQL and the pg driver. Requests that arrive while a batch is in the
 * database are sent together as the next batch: one statement, one commit. An idle service sends a lone
 * hold at once, so batching adds no wait of its own; under load a batch is what piled up during one
 * round trip. A batch that fails on a row is retried one request at a time, so each caller gets its own
 * answer.
 * Every caller is answered only after its batch has committed.
 */
export class HoldBatcher<Row extends HoldRequest> {
  private waiting: Waiting<Row>[] = [];
  private inFlight = 0;
  private readonly usersInFlight = new Set<number>();

  constructor(
    private readonly run: RunHoldBatch<Row>,
    private readonly options: HoldBatcherOptions,
  ) {}

  /** The created row, or undefined when the statement claimed nothing for this request. */
  hold(request: HoldRequest): Promise<Row | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.sendWhatFits();
    });
  }

  private sendWhatFits(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) break; // everyone waiting has a hold of theirs in flight
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        for (const w of batch) this.usersInFlight.delete(w.request.userId);
        this.sendWhatFits();
      });
    }
    // The queue changes only on a new hold and when batches leave, both of which end here.
    this.options.queued?.set(this.waiting.length);
  }

  /** Oldest first, skipping (and keeping in line) a user's second hold when one per user is the rule. */
  private takeBatch(): Waiting<Row>[] {
    if (!this.options.onePerUser) return this.waiting.splice(0, this.options.maxBatch);
    const batch: Waiting<Row>[] = [];
    const stay: Waiting<Row>[] = [];
    for (const w of this.waiting) {
      if (batch.length < this.options.maxBatch && !this.usersInFlight.has(w.request.userId)) {
        this.usersInFlight.add(w.request.userId);
        batch.push(w);
      } else {
        stay.push(w);
      }
    }
    this.waiting = stay;
    return batch;
  }

  private async send(batch: Waiting<Row>[]): Promise<void> {
    let rows: Row[];
    try {
      rows = await this.run(batch.map((w) => w.request));
    } catch (err) {
      // One bad request (a unique violation, say) fails the whole statement: find it by going one by one.
      // A database that is down would only fail each of them again, each after its own wait.
      if (batch.length > 1 && this.options.retryAlone(err)) for (const w of batch) await this.send([w]);
      else for (const w of batch) w.reject(err);
      return;
    }
    const bySeat = new Map(rows.map((r) => [r.seatId, r])); // one winner per seat
    for (const w of batch) {
      const row = bySeat.get(w.request.seatId);
      const won = row?.userId === w.request.userId;
      // A double submit in one batch: the first request gets the hold, the second a refusal, as before.
      if (won) bySeat.delete(w.request.seatId);
      w.resolve(won ? row : undefined);
    }
  }
}
