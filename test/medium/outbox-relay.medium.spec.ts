import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { inTransaction } from '../../src/database/transaction';
import { EVENT_BUS, EventBus } from '../../src/infra/event-bus/event-bus.port';
import { insertReservationEventsSql, PushEvent } from '../../src/infra/outbox/outbox-events';
import { DeferPublishing, OutboxRelay } from '../../src/infra/outbox/outbox-relay';
import { OutboxRepository } from '../../src/infra/outbox/outbox.repository';
import { HoldExpiryService } from '../../src/modules/reservation/expiry/hold-expiry.service';
import { ReservationModule } from '../../src/modules/reservation/reservation.module';
import { insertHolds } from '../support/fixtures';
import { Fan, ModuleContext, startModules } from '../support/module-harness';

/** Records a change of reservation `id` that freed its seat, exactly as a change would: one outbox row. */
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
  let t: ModuleContext;
  let relay: OutboxRelay;
  let outbox: OutboxRepository;
  let user: Fan;
  let reservationId: number;
  let otherSeatReservationId: number;
  const published: PushEvent[] = [];

  beforeAll(async () => {
    t = await startModules([]); // the infrastructure alone: the outbox relay and the event bus
    relay = t.get(OutboxRelay);
    outbox = t.get(OutboxRepository);
    await relay.onModuleDestroy(); // stop polling; the tests drain explicitly
    const show = await t.newShow({ seats: 4 });
    user = await t.newUser();
    const inAnHour = new Date(Date.now() + 3600_000);
    [reservationId, otherSeatReservationId] = await insertHolds(t, user.id, show.seatIds.slice(0, 2), [
      inAnHour,
      inAnHour,
    ]);
    t.get<EventBus>(EVENT_BUS).subscribe((e) => published.push(e));
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
    expect(await rowCount()).toBe(before + 1); // one row per change; the relay publishes both events
    expect(published.map((e) => e.type)).toEqual(['RESERVATION_STATUS', 'SEAT_STATUS']);
    const [own, seat] = published as Extract<PushEvent, { type: 'RESERVATION_STATUS' }>[];
    expect(own).toMatchObject({ reservationId, userId: user.id, status: 'HOLD' });
    expect(seat).toEqual({
      type: 'SEAT_STATUS',
      eventId: own.eventId + 1, // ids step by 2: the seat event has an id of its own
      optionId: own.optionId,
      seatId: own.seatId,
      status: 'AVAILABLE',
      occurredAt: own.occurredAt,
    });
    const unpublished = await t.dataSource.query(`SELECT id FROM outbox_events WHERE published_at IS NULL`);
    expect(unpublished).toEqual([]);
  });

  it('still publishes a SEAT_STATUS row of its own, as rows written before one row per change were', async () => {
    const [{ id }] = await t.dataSource.query(
      `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload)
       VALUES ('SEAT_STATUS', '7:70', NULL, 7,
               '{"optionId": 7, "seatId": 70, "status": "AVAILABLE", "occurredAt": "2026-11-25T10:00:00.000Z"}')
       RETURNING id::int AS id`,
    );
    expect(await relay.drain()).toBe(1);
    expect(published).toEqual([
      {
        type: 'SEAT_STATUS',
        eventId: id,
        optionId: 7,
        seatId: 70,
        status: 'AVAILABLE',
        occurredAt: '2026-11-25T10:00:00.000Z',
      },
    ]);
  });

  it('re-publishes a batch whose relay died after claiming it, once its lease expires, with the same eventIds', async () => {
    await writeEvents(t.dataSource, reservationId);
    // A relay that claims and then dies before publishing/marking:
    const claimed = await outbox.claim(100, 30);
    expect(claimed.rowIds).toHaveLength(1);
    expect(claimed.events).toHaveLength(2);
    expect(await relay.drain()).toBe(0); // leased elsewhere: not ours to publish yet
    await t.dataSource.query(
      `UPDATE outbox_events SET claimed_until = now() - interval '1 second' WHERE id = ANY($1::bigint[])`,
      [claimed.rowIds],
    );
    expect(await relay.drain()).toBe(2);
    expect(published).toEqual(claimed.events);
  });

  it("never claims a seat's change while an older change of that seat is unpublished elsewhere", async () => {
    await writeEvents(t.dataSource, reservationId); // row n, keyed by its seat
    await writeEvents(t.dataSource, reservationId); // row n+2: same seat
    await writeEvents(t.dataSource, otherSeatReservationId); // row n+4: another seat
    const first = await outbox.claim(1, 30); // another relay takes only the oldest
    const seatOf = (e: (typeof first.events)[number]) => ('seatId' in e ? e.seatId : undefined);
    expect(first.events.map((e) => [e.type, seatOf(e)])).toEqual([
      ['RESERVATION_STATUS', seatOf(first.events[0])],
      ['SEAT_STATUS', seatOf(first.events[0])],
    ]);
    const second = await outbox.claim(100, 30);
    // The other seat's change is free; this seat's newer change waits for the older one.
    expect(second.events.map((e) => e.type === 'RESERVATION_STATUS' && e.reservationId)).toEqual([
      otherSeatReservationId,
      false,
    ]);
    await outbox.markPublished([...first.rowIds, ...second.rowIds]);
    const third = await outbox.claim(100, 30);
    expect(third.rowIds).toHaveLength(1);
    expect(third.rowIds[0]).toBe(first.rowIds[0] + 2);
    await outbox.markPublished(third.rowIds);
  });

  it('keeps published events for replay at least an hour, then prunes them', async () => {
    for (let i = 0; i < 4; i++) await writeEvents(t.dataSource, reservationId);
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
    const stranger = await t.newUser();
    const all = await outbox.userEventsAfter(user.id, 0, 1000);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((e) => e.type === 'RESERVATION_STATUS' && e.userId === user.id)).toBe(true);
    const after = await outbox.userEventsAfter(user.id, all[0].eventId, 1000);
    expect(after.map((e) => e.eventId)).toEqual(all.slice(1).map((e) => e.eventId));
    expect(await outbox.userEventsAfter(stranger.id, 0, 1000)).toEqual([]);
  });
});

/**
 * The relay gives way to deadline-critical work such as an expiry storm, and never for longer than a
 * second of the clock at a time (its poll loop is stopped: the tests poll by hand and move the clock).
 */
describe('outbox relay giving way to an expiry storm', () => {
  let t: ModuleContext;
  let relay: OutboxRelay;
  let reservationId: number;
  const published: PushEvent[] = [];

  beforeAll(async () => {
    t = await startModules([ReservationModule]);
    relay = t.get(OutboxRelay);
    await relay.onModuleDestroy();
    const show = await t.newShow({ seats: 2 });
    [reservationId] = await insertHolds(
      t,
      (await t.newUser()).id,
      [show.seatIds[0]],
      [new Date(Date.now() + 3600_000)],
    );
    t.get<EventBus>(EVENT_BUS).subscribe((event) => published.push(event));
  });
  afterAll(() => t.close());
  beforeEach(() => {
    published.length = 0;
    t.clock.reset();
  });

  it('publishes at once when nothing defers it', async () => {
    await writeEvents(t.dataSource, reservationId);
    await relay.pollNow();
    expect(published.map((e) => e.type)).toEqual(['RESERVATION_STATUS', 'SEAT_STATUS']);
  });

  it('holds events back while deferred, then publishes them after at most a second', async () => {
    relay.defer(new DeferPublishing(Number.POSITIVE_INFINITY));
    try {
      await writeEvents(t.dataSource, reservationId);
      await relay.pollNow();
      t.clock.advance(900);
      await relay.pollNow();
      expect(published).toEqual([]);
      t.clock.advance(200); // a second since the deferral began: publish anyway
      await relay.pollNow();
      expect(published.map((e) => e.type)).toEqual(['RESERVATION_STATUS', 'SEAT_STATUS']);
    } finally {
      relay.defer(new DeferPublishing(0));
    }
  });

  it('an expiry batch of 100 or more holds defers publishing until 100 ms after it ends', async () => {
    const expiry = t.get(HoldExpiryService);
    const deferrals: number[] = [];
    t.get(EventEmitter2).on(DeferPublishing.event, (e: DeferPublishing) => deferrals.push(e.until));
    const unknownIds = (n: number) => Array.from({ length: n }, (_, i) => 1_000_000_000 + i);
    await expiry.expire([reservationId], 'request'); // a small batch is no storm
    await expiry.expire(unknownIds(99), 'queue');
    expect(deferrals).toEqual([]);
    const before = t.clock.now().getTime();
    await expiry.expire(unknownIds(100), 'queue');
    expect(deferrals[0]).toBe(Number.POSITIVE_INFINITY); // while the batch runs
    expect(deferrals[1]).toBeGreaterThanOrEqual(before + 100); // then 100 ms past its end
    expect(deferrals[1]).toBeLessThanOrEqual(t.clock.now().getTime() + 100);
  });
});
