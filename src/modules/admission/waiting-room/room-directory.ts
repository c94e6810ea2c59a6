import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { LRUCache } from 'lru-cache';
import { PeriodicJob } from '../../../common/periodic-job';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { RoomConfig } from './room-config';
import { RoomConfigRepository } from './room-config.repository';
import { RoomChanged } from './room-signals';

/** Reloaded this often even without a notice, in case one was lost. */
const RELOAD_MS = 5000;

/**
 * This instance's copy of the enabled rooms, so that a hold on a concert without a room costs nothing
 * (no Redis, no SQL) and a gated hold knows its room at once. Reloaded on every RoomChanged (from any
 * instance) and every few seconds. Also remembers which concert a seat belongs to (seats never move).
 */
@Injectable()
export class RoomDirectory implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RoomDirectory.name);
  private rooms = new Map<number, RoomConfig>();
  private started = 0;
  private applied = 0;
  /** The reload a change notice started, until it is done. */
  private pending?: Promise<void>;
  private readonly concertOfSeat = new LRUCache<number, number>({ max: 200_000 });
  private readonly job: PeriodicJob;

  constructor(
    private readonly repository: RoomConfigRepository,
    metrics: Metrics,
  ) {
    this.job = new PeriodicJob(
      { name: 'waiting-room-directory', intervalMs: RELOAD_MS, jitter: 0.1, run: () => this.reload() },
      metrics.jobDuration,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload().catch((err) => this.logger.warn(`waiting rooms not loaded yet (${String(err)})`));
    this.job.start(RELOAD_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /**
   * A change anywhere: answers wait for the reload it starts, so that every instance applies the change
   * from its next request on (the notice reaches it before the admin's answer reaches the admin).
   */
  @OnEvent(RoomChanged.event)
  async onChanged(): Promise<void> {
    const reload = this.reload().catch((err) =>
      this.logger.warn(`waiting rooms not reloaded (${String(err)})`),
    );
    this.pending = reload;
    await reload;
    if (this.pending === reload) this.pending = undefined;
  }

  /** Reads the enabled rooms; a read that started before a later one finished never overwrites it. */
  async reload(): Promise<void> {
    const generation = ++this.started;
    const rooms = await this.repository.findEnabled();
    if (generation < this.applied) return;
    this.applied = generation;
    this.rooms = new Map(rooms.map((room) => [room.concertId, room]));
  }

  /** The concert's room if it is enabled (it gates the concert), else undefined. */
  async enabled(concertId: number): Promise<RoomConfig | undefined> {
    if (this.pending) await this.pending;
    return this.rooms.get(concertId);
  }

  list(): RoomConfig[] {
    return [...this.rooms.values()];
  }

  /** The enabled room whose concert the seat belongs to; no lookup at all while no room is enabled. */
  async roomOfSeat(seatId: number): Promise<RoomConfig | undefined> {
    if (this.pending) await this.pending;
    if (this.rooms.size === 0) return undefined;
    let concertId = this.concertOfSeat.get(seatId);
    if (concertId === undefined) {
      for (const seat of await this.repository.seatsBesides(seatId))
        this.concertOfSeat.set(seat.seatId, seat.concertId);
      concertId = this.concertOfSeat.get(seatId);
    }
    return concertId === undefined ? undefined : this.rooms.get(concertId);
  }
}
