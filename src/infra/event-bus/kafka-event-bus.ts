import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import type { PushEvent } from '../outbox/outbox-events';
import { EventBus, partitionKeyOf, PushEventHandler } from './event-bus.port';
import { LocalHandlers } from './local-handlers';

/** How long start-up waits for the consumer before opening the port anyway (the probe stays red). */
const READY_WAIT_MS = 20_000;
const RESTART_DELAY_MS = 2_000;

/**
 * With KAFKA_BROKERS: the relay produces to the push topic; every instance consumes it with a consumer
 * group of its own (so each instance sees every event) from the latest offset, and delivers to its own
 * sockets and SSE streams. Offsets are never committed: a restarted instance starts at "latest" anyway
 * (missed SSE events are replayed from the outbox), and groups without offsets leave no state behind.
 */
export class KafkaEventBus implements EventBus, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaEventBus.name);
  private readonly handlers = new LocalHandlers(this.logger);
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  readonly groupId = `push-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private joined = false;
  private producerUp = false;
  private stopped = false;
  private markReady!: () => void;
  /** Resolves once the consumer has joined and fetched once: events produced after that reach us. */
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    brokers: string[],
    private readonly topic: string,
  ) {
    this.kafka = new Kafka({
      clientId: 'ticket-checkout',
      brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 100 },
    });
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    // Short fetch waits keep push latency low; the session settings make joins and leaves quick.
    this.consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 6000,
      rebalanceTimeout: 3000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
      // kafkajs restarts a crashed consumer on a timer of its own. A crash that is being handled while
      // the app shuts down would arm that timer after disconnect() cleared it, and the consumer would
      // then retry a broker that is gone forever, keeping the process alive: no restart once stopped.
      retry: { restartOnFailure: () => Promise.resolve(!this.stopped) },
    });
    this.producer.on(this.producer.events.CONNECT, () => (this.producerUp = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.producerUp = false));
    // The first fetch after a join resolves the "latest" offsets; only then is nothing missed.
    this.consumer.on(this.consumer.events.FETCH, () => {
      if (this.joined) return;
      this.joined = true;
      this.markReady();
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      this.logger.warn({ err: String(e.payload.error) }, 'kafka consumer crashed; kafkajs restarts it');
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    void this.start();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ready, new Promise((r) => (timer = setTimeout(r, READY_WAIT_MS)))]);
    clearTimeout(timer);
    if (!this.joined) this.logger.error(`kafka consumer not ready after ${READY_WAIT_MS} ms; still trying`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([this.consumer.disconnect(), this.producer.disconnect()]);
  }

  /** For /health/ready: connected producer and a consumer that has joined. */
  async check(): Promise<void> {
    if (!this.producerUp) throw new Error('kafka producer not connected');
    if (!this.joined) throw new Error(`kafka consumer group ${this.groupId} not joined`);
    return Promise.resolve();
  }

  async publish(events: PushEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: events.map((e) => ({ key: partitionKeyOf(e), value: JSON.stringify(e) })),
    });
  }

  subscribe(handler: PushEventHandler): () => void {
    return this.handlers.add(handler);
  }

  private async start(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.producer.connect();
        await this.consumer.connect();
        await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
        await this.consumer.run({
          autoCommit: false,
          eachMessage: ({ message }) => {
            this.deliver(message.value);
            return Promise.resolve();
          },
        });
        return;
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'kafka start failed; retrying');
        await Promise.allSettled([this.consumer.disconnect(), this.producer.disconnect()]);
        await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
      }
    }
  }

  private deliver(value: Buffer | null): void {
    if (!value) return;
    let event: PushEvent;
    try {
      event = JSON.parse(value.toString('utf8')) as PushEvent;
    } catch {
      this.logger.warn('dropped a non-JSON message on the push topic');
      return;
    }
    if (!['RESERVATION_STATUS', 'SEAT_STATUS', 'HOLD_EXPIRING', 'ORDER_STATUS'].includes(event.type)) return;
    this.handlers.dispatch(event);
  }
}
