import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type Redis from 'ioredis';
import { channelFor, REDIS_CLIENT, RedisClient, subscribeTo } from '../../../infra/redis/redis-client';
import { RoomCounts } from './room-config';

/** A room's configuration changed (on any instance): caches reload it. */
export class RoomChanged {
  static readonly event = 'waiting-room.changed';
}

/** A room's tick ran (on any instance): ranks may have moved, push them to this instance's fans. */
export class RoomTicked {
  static readonly event = 'waiting-room.ticked';
  constructor(
    readonly concertId: number,
    readonly counts: RoomCounts,
  ) {}
}

const CHANNEL = 'checkout:rooms';

type Signal =
  { from: string; kind: 'changed' } | { from: string; kind: 'ticked'; concertId: number; counts: RoomCounts };

/**
 * Room notices between instances: Redis pub/sub with REDIS_URL, this process only without. Each notice
 * is also emitted locally as a typed event (RoomChanged, RoomTicked). A lost notice costs little: the
 * directory also reloads every few seconds, and the next tick pushes ranks again.
 */
@Injectable()
export class RoomSignals implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RoomSignals.name);
  private readonly instance = randomUUID();
  private subscriber?: Redis;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly events: EventEmitter2,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis) return;
    // A (re)connect means notices may have been missed: reload.
    const { subscriber, subscribed } = subscribeTo(this.redis, CHANNEL, {
      onMessage: (message) => this.receive(message),
      onReady: () => this.events.emit(RoomChanged.event, new RoomChanged()),
    });
    this.subscriber = subscriber;
    await subscribed;
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscriber?.disconnect();
  }

  changed(): Promise<void> {
    this.events.emit(RoomChanged.event, new RoomChanged());
    return this.publish({ from: this.instance, kind: 'changed' });
  }

  ticked(concertId: number, counts: RoomCounts): Promise<void> {
    this.events.emit(RoomTicked.event, new RoomTicked(concertId, counts));
    return this.publish({ from: this.instance, kind: 'ticked', concertId, counts });
  }

  private async publish(signal: Signal): Promise<void> {
    if (!this.redis) return;
    try {
      await this.redis.publish(channelFor(this.redis, CHANNEL), JSON.stringify(signal));
    } catch (err) {
      this.logger.warn(`room notice not sent to other instances (${String(err)})`);
    }
  }

  private receive(message: string): void {
    let signal: Signal;
    try {
      signal = JSON.parse(message) as Signal;
    } catch {
      return;
    }
    if (signal.from === this.instance) return;
    if (signal.kind === 'changed') this.events.emit(RoomChanged.event, new RoomChanged());
    else this.events.emit(RoomTicked.event, new RoomTicked(signal.concertId, signal.counts));
  }
}
