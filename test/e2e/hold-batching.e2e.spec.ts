import { checkout } from '../support/checkout';
import { seatStatus } from '../support/fixtures';
import { createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { until } from '../support/wait';

/** A metric's unlabelled value from /metrics (0 when absent). */
async function metric(t: TestApp, name: string): Promise<number> {
  const text = (await t.http().get('/metrics').expect(200)).text;
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
}

/** Sum of checkout_hold_batch_size_count and _sum from /metrics: how many batches, how many holds. */
async function batchStats(t: TestApp): Promise<{ batches: number; holds: number }> {
  const [batches, holds] = await Promise.all([
    metric(t, 'checkout_hold_batch_size_count'),
    metric(t, 'checkout_hold_batch_size_sum'),
  ]);
  return { batches, holds };
}

/** Until at least `n` backends wait for a row lock (bounded: 5 s). */
function waitForLockWaits(t: TestApp, n: number): Promise<void> {
  const waiting = async () =>
    (
      await t.dataSource.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`,
      )
    )[0].n >= n;
  return until(waiting, 5000, `${n} backend(s) to wait for a blocked seat`);
}

/**
 * Concurrent holds share one statement (HoldBatcher). Each caller must still get exactly the answer a
 * hold of its own would have given, through the real HTTP door and the real database.
 */
describe('holds batched into one statement', () => {
  let t: TestApp;
  let admin: TestUser;
  let users: TestUser[];

  beforeAll(async () => {
    t = await startTestApp({ MAX_ACTIVE_HOLDS_PER_USER: '2' });
    admin = await createAdmin(t);
    users = await Promise.all(Array.from({ length: 30 }, () => createUser(t, 'batch')));
  });
  afterAll(() => t.close());

  it('60 holds at once, 3 users per seat: one winner per seat, one outbox row each, sent in shared batches', async () => {
    const option = await createOption(t, admin, { seatCount: 22 });
    const [blockedA, blockedB, ...seats] = option.seatIds;
    const [userA, userB] = await Promise.all([createUser(t, 'stuck'), createUser(t, 'stuck')]);
    const before = await batchStats(t);
    // Two holds stuck behind another transaction's row locks fill both batch slots, so the 60 that
    // follow queue up and must share batches, however fast or slow the machine is.
    const blocker = t.dataSource.createQueryRunner();
    await blocker.startTransaction();
    let responses;
    try {
      await blocker.query('SELECT id FROM seats WHERE id = ANY($1) FOR UPDATE', [[blockedA, blockedB]]);
      const stuckA = checkout(t, userA)
        .hold(blockedA)
        .then((r) => r);
      await waitForLockWaits(t, 1);
      const stuckB = checkout(t, userB)
        .hold(blockedB)
        .then((r) => r);
      await waitForLockWaits(t, 2);
      const racing = Array.from({ length: 60 }, (_, i) =>
        checkout(t, users[i % 30])
          .hold(seats[i % 20])
          .then((r) => r),
      );
      await until(
        async () => (await metric(t, 'checkout_hold_batch_queued')) === 60,
        10_000,
        '60 holds queued',
      );
      await blocker.commitTransaction();
      const stuck = await Promise.all([stuckA, stuckB]);
      expect(stuck.map((r) => r.status)).toEqual([201, 201]);
      responses = await Promise.all(racing);
    } finally {
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
    }
    const after = await batchStats(t);

    const won = responses.filter((r) => r.status === 201);
    expect(won).toHaveLength(20);
    expect(new Set(won.map((r) => r.body.seatId))).toEqual(new Set(seats));
    expect(
      new Set(responses.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.body.errorCode}`)),
    ).toEqual(new Set(['409 SEAT_NOT_AVAILABLE']));
    for (const r of won) expect(r.body).toMatchObject({ status: 'HOLD', optionId: option.optionId });
    // One outbox row per seat: the winner's HOLD, announcing the seat TEMP_RESERVED too.
    const rows: { seat_id: number; user_id: number; events: string[] }[] = await t.dataSource.query(
      `SELECT r.seat_id, r.user_id,
              (SELECT array_agg(e.reservation_id || ' ' || e.status || ' ' || e.seat_status)
                 FROM outbox_events e WHERE e.partition_key = r.option_id || ':' || r.seat_id) AS events
         FROM reservations r WHERE r.option_id = $1 AND r.seat_id = ANY($2)`,
      [option.optionId, seats],
    );
    expect(rows).toHaveLength(20);
    const reservationIds = new Map(won.map((r) => [r.body.seatId as number, r.body.id as number]));
    for (const r of rows) expect(r.events).toEqual([`${reservationIds.get(r.seat_id)} HOLD TEMP_RESERVED`]);
    // Each 201 names the reservation the database holds for that seat and user.
    expect(new Set(won.map((r) => `${r.body.seatId}:${r.body.userId}`))).toEqual(
      new Set(rows.map((r) => `${r.seat_id}:${r.user_id}`)),
    );
    // Every attempt went through a batch, and the queued ones shared them.
    expect(after.holds - before.holds).toBe(62);
    expect(after.batches - before.batches).toBeLessThan(32);
  });

  it('one user firing 40 holds while their first is stuck in the database, under a cap of 2, gets exactly 2', async () => {
    const option = await createOption(t, admin, { seatCount: 40 });
    const user = await createUser(t, 'burst');
    const [first, ...rest] = option.seatIds;
    // Another transaction holds the first seat's row lock, so the first hold's batch waits in
    // PostgreSQL while the other 39 arrive: they must not be counted against a snapshot without it.
    const blocker = t.dataSource.createQueryRunner();
    await blocker.startTransaction();
    await blocker.query('SELECT id FROM seats WHERE id = $1 FOR UPDATE', [first]);
    let responses;
    try {
      const stuck = checkout(t, user)
        .hold(first)
        .then((r) => r);
      await waitForLockWaits(t, 1);
      const others = rest.map((seatId) =>
        checkout(t, user)
          .hold(seatId)
          .then((r) => r),
      );
      // Every one of the 39 waits in the batcher (one hold per user in the database at a time) while the
      // first is stuck: the queue gauge says when they all have arrived, where a fixed 300 ms only hoped so.
      await until(
        async () => /^checkout_hold_batch_queued 39$/m.test((await t.http().get('/metrics')).text),
        20_000,
        'the other 39 holds to queue behind the stuck one',
      );
      await blocker.commitTransaction();
      responses = await Promise.all([stuck, ...others]);
    } finally {
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
    }
    expect(responses.filter((r) => r.status === 201)).toHaveLength(2);
    expect(responses.filter((r) => r.body.errorCode === 'HOLD_LIMIT_REACHED')).toHaveLength(38);
    const active: { n: number }[] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM reservations WHERE user_id = $1 AND status IN ('HOLD', 'PAYING')`,
      [user.id],
    );
    expect(active).toEqual([{ n: 2 }]);
  });

  it('a hold the database refuses fails alone; the others in its batch still succeed', async () => {
    const option: TestOption = await createOption(t, admin, { seatCount: 12 });
    const [broken, ...fine] = option.seatIds;
    // A seat marked AVAILABLE that still has an active HOLD: only the partial unique index stops a
    // second reservation, by failing the statement (23505), and with it the whole batch.
    await checkout(t, users[0]).hold(broken).expect(201);
    await t.dataSource.query(`UPDATE seats SET status = 'AVAILABLE' WHERE id = $1`, [broken]);

    const responses = await Promise.all(
      [broken, ...fine, broken].map((seatId, i) => checkout(t, users[1 + i]).hold(seatId)),
    );
    const outcome = responses.map((r) => r.status);
    expect(outcome[0]).toBe(409);
    expect(outcome.at(-1)).toBe(409);
    expect(outcome.slice(1, -1)).toEqual(fine.map(() => 201));
    expect(responses[0].body.errorCode).toBe('SEAT_NOT_AVAILABLE');
    const perSeat: { seat_id: number; n: number }[] = await t.dataSource.query(
      `SELECT seat_id, count(*)::int AS n FROM reservations WHERE option_id = $1 GROUP BY seat_id`,
      [option.optionId],
    );
    expect(perSeat.every((r) => r.n === 1)).toBe(true);
    expect(perSeat).toHaveLength(12);
    for (const seatId of fine) expect(await seatStatus(t, seatId)).toBe('TEMP_RESERVED');
  });
});
