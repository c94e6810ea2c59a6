import { DataSource } from 'typeorm';
import { inTransaction } from '../../src/database/transaction';
import { EVENT_BUS, EventBus } from '../../src/infra/event-bus/event-bus.port';
import { insertReservationEventsSql, PushEvent } from '../../src/infra/outbox/outbox-events';
import { OutboxRelay } from '../../src/infra/outbox/outbox-relay';
import { OutboxRepository } from '../../src/infra/outbox/outbox.repository';
import { HoldExpiryService } from '../../src/modules/reservation/expiry/hold-expiry.service';
import { checkout } from '../support/checkout';
import { createAdmin, createOption, createUser, TestUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/** Writes a RESERVATION_STATUS + SEAT_STATUS pair for reservation `id`, exactly as a change would. */
const writeEvents = (db: Pick<DataSource, 'query'>, id: number) =>
  db.query(
    `WITH r AS (SELECT * FROM reservations WHERE id = $1) ${insertReservationEventsSql('r', '$2', `'AVAILABLE'`)}`,
    [id, new Date()],
  );

/**
 * The outbox relay on real PostgreSQL, driven by hand (its poll loop is stopped): what it publishes,
 * when, and how its leases make publication at-least-once without a transaction held across I/O.
 */
describe('outbox relay', () => {
  let t: TestApp;
  let relay: OutboxRelay;
  let outbox: OutboxRepository;
  let user: TestUser;
  let reservationId: number;
  const published: PushEvent[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    relay = t.app.get(OutboxRelay);
    outbox = t.app.get(OutboxRepository);
    const option = await createOption(t, await createAdmin(t), { seatCount: 4 });
    user = await createUser(t);
    reservationId = (await checkout(t, user).hold(option.seatIds[0]).expect(201)).body.id;
    await relay.onModuleDestroy(); // stop polling; the tests drain explicitly
    await relay.drain();
    t.app.get<EventBus>(EVENT_BUS).subscribe((e) => published.push(e));
  });
  beforeEach(() => {
    published.length = 0;
  });
  afterAll(() => t.close());

  const rowCount = async () =>
    (await t.dataSource.query(`SELECT count(*)::int AS n FROM outbox_events`))[0].n as number;

  it('publishes nothing for a rolled-back change, and only after commit for a committed one', async () => {
    const before = await rowCount();
    await expect(
      inTransaction(t.dataSource, async (em) => {
        await em.query(`UPDATE reservations SET status = 'CANCELLED', cancelled_at = now() WHERE id = $1`, [
          reservationId,
        ]);
        await writeEvents(em, reservationId);
        throw new Error('business rule failed after the events were written');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await relay.drain()).toBe(0);
    expect(await rowCount()).toBe(before);

    // An open transaction's rows are invisible to the relay until it commits.
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction('READ COMMITTED');
      await writeEvents(runner.manager, reservationId);
      expect(await relay.drain()).toBe(0);
      expect(published).toEqual([]);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect(await relay.drain()).toBe(2);
    expect(published.map((e) => e.type)).toEqual(['RESERVATION_STATUS', 'SEAT_STATUS']);
    expect(published[0]).toMatchObject({ reservationId, userId: user.id, status: 'HOLD' });
    const unpublished = await t.dataSource.query(`SELECT id FROM outbox_events WHERE published_at IS NULL`);
    expect(unpublished).toEqual([]);
  });

  it('re-publishes a batch whose relay died after claiming it, once its lease expires, with the same eventIds', async () => {
    await writeEvents(t.dataSource, reservationId);
    // A relay that claims and then dies before publishing/marking:
    const claimed = await outbox.claim(100, 30);
    expect(claimed).toHaveLength(2);
    expect(await relay.drain()).toBe(0); // leased elsewhere: not ours to publish yet
    await t.dataSource.query(
      `UPDATE outbox_events SET claimed_until = now() - interval '1 second' WHERE id = ANY($1::bigint[])`,
      [claimed.map((c) => c.event.eventId)],
    );
    expect(await relay.drain()).toBe(2);
    expect(published.map((e) => e.eventId)).toEqual(claimed.map((c) => c.event.eventId));
    expect(published).toEqual(claimed.map((c) => c.event));
  });

  it("never claims a key's event while an older event of that key is unpublished elsewhere", async () => {
    await writeEvents(t.dataSource, reservationId); // ids n (reservation key), n+1 (seat key)
    await writeEvents(t.dataSource, reservationId); // ids n+2, n+3: same two keys
    const first = await outbox.claim(1, 30); // another relay takes only the oldest
    expect(first.map((c) => c.event.type)).toEqual(['RESERVATION_STATUS']);
    const second = await outbox.claim(100, 30);
    // The seat key's two events are free; the reservation key's newer event waits for the older one.
    expect(second.map((c) => c.event.type)).toEqual(['SEAT_STATUS', 'SEAT_STATUS']);
    await outbox.markPublished([...first, ...second].map((c) => c.event.eventId));
    const third = await outbox.claim(100, 30);
    expect(third.map((c) => c.event.type)).toEqual(['RESERVATION_STATUS']);
    expect(third[0].event.eventId).toBeGreaterThan(first[0].event.eventId);
    await outbox.markPublished(third.map((c) => c.event.eventId));
  });

  it('keeps published events for replay at least an hour, then prunes them', async () => {
    await writeEvents(t.dataSource, reservationId);
    await writeEvents(t.dataSource, reservationId);
    await relay.drain();
    const ids: number[] = (
      await t.dataSource.query(`SELECT id::int AS id FROM outbox_events ORDER BY id DESC LIMIT 4`)
    ).map((r: { id: number }) => r.id);
    // Age: two published rows 3 h old, one published 59 min old; one 3 h old but never published.
    await t.dataSource.query(
      `UPDATE outbox_events SET created_at = now() - interval '3 hours' WHERE id = ANY($1)`,
      [[ids[0], ids[1], ids[3]]],
    );
    await t.dataSource.query(
      `UPDATE outbox_events SET created_at = now() - interval '59 minutes' WHERE id = $1`,
      [ids[2]],
    );
    await t.dataSource.query(`UPDATE outbox_events SET published_at = NULL WHERE id = $1`, [ids[3]]);
    expect(await outbox.prunePublished(2 * 3600, 1000)).toBeGreaterThanOrEqual(2);
    const left: number[] = (
      await t.dataSource.query(`SELECT id::int AS id FROM outbox_events WHERE id = ANY($1)`, [ids])
    ).map((r: { id: number }) => r.id);
    expect(left.sort()).toEqual([ids[2], ids[3]].sort());
    await relay.drain();
  });

  it("replays only the user's own RESERVATION_STATUS events after the given id", async () => {
    const stranger = await createUser(t);
    const all = await outbox.userEventsAfter(user.id, 0, 1000);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((e) => e.type === 'RESERVATION_STATUS' && e.userId === user.id)).toBe(true);
    const after = await outbox.userEventsAfter(user.id, all[0].eventId, 1000);
    expect(after.map((e) => e.eventId)).toEqual(all.slice(1).map((e) => e.eventId));
    expect(await outbox.userEventsAfter(stranger.id, 0, 1000)).toEqual([]);
  });
});

/**
 * The relay's own poll loop (running here) gives way to deadline-critical work such as an expiry storm,
 * and never for longer than a second at a time.
 */
describe('outbox relay giving way to an expiry storm', () => {
  let t: TestApp;
  let reservationId: number;
  const published: { event: PushEvent; at: number }[] = [];
  let busy = false;

  beforeAll(async () => {
    t = await startTestApp();
    const option = await createOption(t, await createAdmin(t), { seatCount: 2 });
    reservationId = (
      await checkout(t, await createUser(t))
        .hold(option.seatIds[0])
        .expect(201)
    ).body.id;
    t.app.get(OutboxRelay).deferWhile(() => busy);
    t.app.get<EventBus>(EVENT_BUS).subscribe((event) => published.push({ event, at: Date.now() }));
  });
  afterAll(() => t.close());

  const publishedFor = () =>
    published.filter((p) => p.event.type === 'RESERVATION_STATUS' && p.event.reservationId === reservationId);
  const waitFor = async (check: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end && !check();)
      await new Promise((r) => setTimeout(r, 10));
  };

  it('publishes at once when nothing is busy', async () => {
    await waitFor(() => publishedFor().length === 1, 2000); // the hold's own event
    published.length = 0;
    const written = Date.now();
    await writeEvents(t.dataSource, reservationId);
    await waitFor(() => publishedFor().length === 1, 2000);
    expect(publishedFor()).toHaveLength(1);
    expect(publishedFor()[0].at - written).toBeLessThan(500);
  });

  it('holds events back while busy, then publishes them after at most about a second', async () => {
    published.length = 0;
    busy = true;
    try {
      const written = Date.now();
      await writeEvents(t.dataSource, reservationId);
      await new Promise((r) => setTimeout(r, 500));
      expect(publishedFor()).toEqual([]);
      await waitFor(() => publishedFor().length === 1, 3000);
      expect(publishedFor()).toHaveLength(1);
      expect(publishedFor()[0].at - written).toBeGreaterThanOrEqual(900);
    } finally {
      busy = false;
    }
  });

  it('counts an expiry batch of 100 or more holds as a storm, until 100 ms after it ends', async () => {
    const expiry = t.app.get(HoldExpiryService);
    const unknownIds = (n: number) => Array.from({ length: n }, (_, i) => 1_000_000_000 + i);
    await expiry.expire([reservationId], 'request'); // a small batch is no storm
    await expiry.expire(unknownIds(99), 'queue');
    expect(expiry.inStorm()).toBe(false);
    await expiry.expire(unknownIds(100), 'queue');
    expect(expiry.inStorm()).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect(expiry.inStorm()).toBe(false);
  });
});
