import { EVENT_BUS } from '../../src/infra/event-bus/event-bus.port';
import { KafkaEventBus } from '../../src/infra/event-bus/kafka-event-bus';
import { OutboxRelay } from '../../src/infra/outbox/outbox-relay';
import { checkout } from '../support/checkout';
import { resetDatabaseAt } from '../support/db';
import { createAdmin, createOption, createUser } from '../support/factories';
import { KafkaMock, startKafkaMock } from '../../support/kafka-mock';
import {
  connectSocket,
  emitWithAck,
  openSse,
  Received,
  RESERVATION_FIELDS,
} from '../../support/realtime-clients';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_DATABASE_URL } from '../support/test-env';

/**
 * Two instances on one database, joined by Kafka (librdkafka's mock cluster via kcat): a hold made on
 * instance A, and expired by whichever instance claims it, reaches the user's socket on instance B,
 * each eventId exactly once.
 */
describe('realtime across two instances through Kafka', () => {
  let kafka: KafkaMock;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    kafka = await startKafkaMock();
    const env = { KAFKA_BROKERS: kafka.brokers.join(','), HOLD_TTL_SECONDS: '1' };
    await resetDatabaseAt(TEST_DATABASE_URL);
    // Started together: each consumer group's first join takes ~3 s on the mock.
    [a, b] = await Promise.all([
      startTestApp(env, {}, { reset: false }),
      startTestApp(env, {}, { reset: false }),
    ]);
    await Promise.all([a, b].map((t) => t.app.get<KafkaEventBus>(EVENT_BUS).ready));
  }, 40_000);

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await kafka?.stop();
  }, 20_000);

  it('uses the Kafka bus with one consumer group per instance, reported by /health/ready', async () => {
    const [busA, busB] = [a, b].map((t) => t.app.get<KafkaEventBus>(EVENT_BUS));
    expect(busA).toBeInstanceOf(KafkaEventBus);
    expect(busA.groupId).not.toBe(busB.groupId);
    const ready = await b.http().get('/health/ready').expect(200);
    expect(JSON.stringify(ready.body)).toContain('kafka');
  });

  it('delivers a hold made on A and its expiry to the socket and SSE stream on B, once per eventId', async () => {
    const admin = await createAdmin(a);
    const option = await createOption(a, admin, { seatCount: 3 });
    const user = await createUser(a);
    const other = await createUser(a);
    const onB = await connectSocket(b.url, user.token);
    const otherOnB = await connectSocket(b.url, other.token);
    const sseOnB = await openSse(`${b.url}/api/reservations/v7/events?access_token=${user.token}`);
    try {
      await emitWithAck(onB.socket, 'seats.subscribe', { optionId: option.optionId });
      const id = (await checkout(a, user).hold(option.seatIds[0]).expect(201)).body.id as number;
      const isExpired = (r: Received) =>
        r.type === 'RESERVATION_STATUS' && r.data.reservationId === id && r.data.status === 'EXPIRED';
      await onB.inbox.waitFor(isExpired, 15_000, 'EXPIRED on instance B');
      await sseOnB.inbox.waitFor(isExpired, 5_000, 'EXPIRED on the SSE stream of instance B');
      await onB.inbox.waitFor(
        (r) => r.type === 'SEAT_STATUS' && r.data.status === 'AVAILABLE',
        5_000,
        'seat AVAILABLE on instance B',
      );

      // Let any duplicate arrive before counting: nothing is left to publish, then one more fetch cycle.
      // This wait stays fixed: it proves that a second copy does NOT arrive, which only time can show.
      await Promise.all([a, b].map((t) => t.app.get(OutboxRelay).drain()));
      await new Promise((r) => setTimeout(r, 500));
      const unpublished = await a.dataSource.query(
        `SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`,
      );
      expect(unpublished[0].n).toBe(0);

      const statuses = onB.inbox.ofType('RESERVATION_STATUS');
      expect(statuses.map((e) => e.status)).toEqual(['HOLD', 'EXPIRED']);
      for (const e of statuses) expect(Object.keys(e).sort()).toEqual(RESERVATION_FIELDS);
      expect(onB.inbox.ofType('SEAT_STATUS').map((e) => e.status)).toEqual(['TEMP_RESERVED', 'AVAILABLE']);
      // The hold made an order of one; its expiry is the order's one status change (contract "Orders").
      expect(onB.inbox.ofType('ORDER_STATUS').map((e) => e.status)).toEqual(['EXPIRED']);
      const ids = onB.inbox.events.map((e) => e.data.eventId);
      expect(new Set(ids).size).toBe(ids.length); // each eventId exactly once
      expect(ids).toHaveLength(5);
      const sseStatuses = (type: string) =>
        sseOnB.inbox.events.filter((e) => e.type === type).map((e) => e.data.status);
      expect(sseStatuses('RESERVATION_STATUS')).toEqual(['HOLD', 'EXPIRED']);
      expect(sseStatuses('ORDER_STATUS')).toEqual(['EXPIRED']);
      // Another user's socket on the same instance saw none of it.
      expect(otherOnB.inbox.events).toEqual([]);
    } finally {
      onB.close();
      otherOnB.close();
      sseOnB.close();
    }
  }, 30_000);
});
