import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, CLOCK } from '../../../common/clock';
import { PeriodicJob } from '../../../common/periodic-job';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { RoomConfig } from './room-config';
import { RoomConfigRepository } from './room-config.repository';
import { RoomDirectory } from './room-directory';
import { RoomSignals } from './room-signals';
import { ROOM_STORE, RoomStore, TickResult } from './room-store';

/** Every instance wakes this soon after each wall-clock second; the first to ask gets the second's tick. */
const MAX_OFFSET_MS = 30;

/**
 * Admission: once per wall-clock second per enabled room, whichever instance asks first (the store's
 * claim decides), frees the slots whose time is up and admits from the head of the queue. A slot whose
 * time is up is kept while its fan has a HOLD or PAYING reservation on the concert (PostgreSQL says which,
 * one query per tick for all of them) or a hold still in flight (the store knows), and looked at again a
 * second later, so a fan mid-payment is never cut off and the slot frees within a second of the end.
 */
@Injectable()
export class AdmissionTicker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AdmissionTicker.name);
  private readonly job: PeriodicJob;

  constructor(
    private readonly directory: RoomDirectory,
    private readonly configs: RoomConfigRepository,
    @Inject(ROOM_STORE) private readonly store: RoomStore,
    private readonly signals: RoomSignals,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {
    this.job = new PeriodicJob(
      { name: 'waiting-room-admission', intervalMs: 1000, run: () => this.tickAll() },
      metrics.jobDuration,
    );
  }

  onApplicationBootstrap(): void {
    this.job.start(this.untilNextSecond());
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** One pass over every enabled room now (tests drive admission with this and a FakeClock). */
  tickNow(): Promise<void> {
    return this.job.runFresh();
  }

  /** Returns the wait until the next second, so that ticks stay on the second whatever a pass cost. */
  private async tickAll(): Promise<number> {
    for (const room of this.directory.list()) {
      try {
        await this.tick(room);
      } catch (err) {
        this.logger.warn(
          { err: String(err), concertId: room.concertId },
          'admission tick failed; the next second retries',
        );
      }
    }
    return this.untilNextSecond();
  }

  private async tick(room: RoomConfig): Promise<TickResult | undefined> {
    const now = this.clock.now().getTime();
    const due = await this.store.beginTick(room.concertId, now);
    if (!due) return undefined; // another instance has this second
    const busy = due.length
      ? await this.configs.withLiveReservations(room.concertId, due)
      : new Set<number>();
    const result = await this.store.endTick(
      room,
      now,
      due.filter((user) => !busy.has(user)),
      due.filter((user) => busy.has(user)),
    );
    const concert = String(room.concertId);
    this.metrics.queueAdmitted.inc({ concert }, result.admitted.length);
    for (const fan of result.admitted) {
      if (fan.joinedAtMs !== null) this.metrics.queueTime.observe(Math.max(0, now - fan.joinedAtMs) / 1000);
    }
    await this.signals.ticked(room.concertId, result.counts);
    return result;
  }

  private untilNextSecond(): number {
    const now = this.clock.now().getTime();
    return 1000 - (now % 1000) + Math.floor(Math.random() * MAX_OFFSET_MS);
  }
}
