import { Client } from 'pg';
import { EVENT_BUS } from '../../src/infra/event-bus/event-bus.port';
import { KafkaEventBus } from '../../src/infra/event-bus/kafka-event-bus';
import { OutboxRelay } from '../../src/infra/outbox/outbox-relay';
import { checkout } from '../support/checkout';
import { until } from '../support/wait';
import { resetDatabaseAt } from '../support/db';
import { createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { KafkaMock, startKafkaMock } from '../../support/kafka-mock';
import { connectSocket, emitWithAck, TestSocket } from '../../support/realtime-clients';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_DATABASE_URL } from '../support/test-env';

async function kafkaApp(kafka: KafkaMock): Promise<TestApp> {
  const t = await startTestApp({ KAFKA_BROKERS: kafka.brokers.join(',') }, {}, { reset: false });
  await t.app.get<KafkaEventBus>(EVENT_BUS).ready;
  return t;
}

/**
 * Kafka goes away while the app keeps changing things: every change commits with its outbox rows, none
 * is published, none is lost. librdkafka's mock cannot be restarted on the same port (kcat has no option
 * for it), so "Kafka returns" means a new broker address and the instance restarted with it, which is
 * what an operator would do on a real address change; then every waiting row is published and reaches a
 * connected socket client.
 */
describe('fault: Kafka stopped', () => {
  let kafka: KafkaMock | undefined;
  let t: TestApp | undefined;
  let socket: TestSocket | undefined;
  let locker: Client | undefined;
  let user: TestUser;
  let option: TestOption;

  afterAll(async () => {
    socket?.close();
    await locker?.end().catch(() => undefined);
    await t?.close();
    await kafka?.stop();
  }, 30_000);

  async function subscribe(app: TestApp): Promise<TestSocket> {
    const s = await connectSocket(app.url, user.token);
    await emitWithAck(s.socket, 'seats.subscribe', { optionId: option.optionId });
    return s;
  }

  /** Unpublished outbox rows, their type, and whether each also carries its seat's event (eventId = id + 1). */
  const unpublished = async (): Promise<{ id: number; type: string; movesSeat: boolean }[]> =>
    t!.dataSource.query(
      `SELECT id::int AS id, event_type AS type, seat_status IS NOT NULL AS "movesSeat" FROM outbox_events
        WHERE published_at IS NULL ORDER BY id`,
    );

  it('keeps serving, keeps the events in the outbox, and delivers every one after Kafka returns', async () => {
    kafka = await startKafkaMock();
    await resetDatabaseAt(TEST_DATABASE_URL);
    t = await kafkaApp(kafka);
    const admin = await createAdmin(t);
    option = await createOption(t, admin, { seatCount: 4 });
    user = await createUser(t);
    socket = await subscribe(t);
    const c = checkout(t, user);
    const first = (await c.hold(option.seatIds[0]).expect(201)).body.id as number;
    await socket.inbox.waitFor((r) => r.data.reservationId === first, 5000, 'the HOLD through Kafka');

    await kafka.stop();
    kafka = undefined;
    const heardBefore = socket.inbox.events.length;
    await c.paying(first).expect(200);
    await c.confirm(first).expect(200);
    const second = (await c.hold(option.seatIds[1]).expect(201)).body.id as number;
    await c.cancel(second).expect(200);
    await c.refund(first).expect(200);

    const backlog = await unpublished();
    // One row per change: paying, confirmed, hold, cancelled, refunded; all but paying move the seat. Each
    // change of an order's status (not its creation by the hold) adds its ORDER_STATUS row (contract "Orders").
    const R = 'RESERVATION_STATUS';
    const O = 'ORDER_STATUS';
    expect(backlog.map((r) => `${r.type}${r.movesSeat ? '+seat' : ''}`)).toEqual([
      R,
      O,
      `${R}+seat`,
      O,
      `${R}+seat`,
      `${R}+seat`,
      O,
      `${R}+seat`,
      O,
    ]);
    const backlogEvents = backlog.flatMap((r) => (r.movesSeat ? [r.id, r.id + 1] : [r.id]));
    await t.app.get(OutboxRelay).pollNow(); // one whole publish attempt, refused by the missing broker
    expect(socket.inbox.events).toHaveLength(heardBefore);
    expect(await unpublished()).toEqual(backlog);

    // Restart on the new broker. The backlog is row-locked until the client is connected (the relay
    // skips locked rows), standing in for a client that stayed connected across the restart.
    socket.close();
    await t.close();
    t = undefined;
    locker = new Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM outbox_events WHERE published_at IS NULL FOR UPDATE');
    kafka = await startKafkaMock();
    t = await kafkaApp(kafka);
    socket = await subscribe(t);
    await locker.query('COMMIT');

    await until(async () => (await unpublished()).length === 0, 15_000, 'the backlog to be published');
    await until(
      async () => backlogEvents.every((id) => socket!.inbox.events.some((e) => e.data.eventId === id)),
      10_000,
      'every backlog event at the client',
    );
    const received = socket.inbox.events.map((e) => e.data.eventId);
    expect([...new Set(received)].sort((a, b) => a - b)).toEqual(backlogEvents);
  }, 60_000);
});
