import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal';
import { Clock, CLOCK } from '../../../common/clock';
import { DomainError, notFound } from '../../../common/errors/domain-error';
import { PeriodicJob } from '../../../common/periodic-job';
import { AppConfig } from '../../../config/app-config';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { AdmissionRepository } from '../admission.repository';
import { AdmissionService, beingSelected } from '../admission.service';
import { WaitingRoomService } from '../waiting-room/waiting-room.service';
import { SEAT_LOCK_STORE, SeatLockStore } from './seat-lock-store';

/** Locks that ran out are found within this long (the contract pushes their AVAILABLE within 1 s). */
const EXPIRY_POLL_MS = 250;
const EXPIRY_BATCH = 500;

/**
 * Soft locks: a fan who clicks a seat takes it for SEAT_LOCK_TTL_SECONDS while they decide, refreshed by
 * clicking again up to SEAT_LOCK_MAX_SECONDS. The seat shows SELECTING to everyone (a SEAT_STATUS push);
 * when the lock is released or runs out, the seat's status is pushed again. A lock is a Redis key with a
 * TTL (or this process's memory); its end is found by a job on every instance, each lock by one of them.
 */
@Injectable()
export class SeatLocksService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SeatLocksService.name);
  private readonly job: PeriodicJob;

  constructor(
    private readonly admission: AdmissionService,
    private readonly rooms: WaitingRoomService,
    private readonly repository: AdmissionRepository,
    @Inject(SEAT_LOCK_STORE) private readonly locks: SeatLockStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly config: AppConfig,
    metrics: Metrics,
  ) {
    this.job = new PeriodicJob(
      {
        name: 'seat-lock-expiry',
        intervalMs: EXPIRY_POLL_MS,
        jitter: 0.2,
        // A full batch means more locks ended meanwhile: go again at once, else wait the interval.
        run: async () => ((await this.pushEnded()) === EXPIRY_BATCH ? 0 : undefined),
      },
      metrics.jobDuration,
    );
  }

  onApplicationBootstrap(): void {
    this.job.start(EXPIRY_POLL_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  async acquire(caller: Principal, seatId: number) {
    await this.rooms.requireAdmitted(caller.userId, seatId); // as for a hold: the room first
    const seat = await this.admission.eligible(caller.userId, seatId);
    const now = this.clock.now();
    const lock = await this.locks.acquire({
      seatId,
      optionId: seat.optionId,
      userId: caller.userId,
      nowMs: now.getTime(),
      ttlMs: this.config.seatLockTtlSeconds * 1000,
      maxMs: this.config.seatLockMaxSeconds * 1000,
      maxPerUser: this.config.maxSeatLocksPerUser,
    });
    if (lock.outcome === 'BEING_SELECTED') throw beingSelected();
    if (lock.outcome === 'LOCK_EXPIRED') {
      throw new DomainError(
        'SEAT_LOCK_EXPIRED',
        `A seat may be selected for at most ${this.config.seatLockMaxSeconds} s in ${2 * this.config.seatLockMaxSeconds} s; hold it or pick another`,
      );
    }
    if (lock.outcome === 'LIMIT_REACHED') {
      throw new DomainError(
        'SEAT_LOCK_LIMIT_REACHED',
        `You may select at most ${this.config.maxSeatLocksPerUser} seats at once; release one or hold it`,
      );
    }
    if (lock.outcome === 'ACQUIRED') await this.repository.seatEvents([seatId], 'SELECTING', now);
    return {
      optionId: seat.optionId,
      seatId,
      ownerUserId: caller.userId,
      status: 'SELECTING' as const,
      expiresAt: new Date(lock.expiresAtMs),
      ttlSeconds: this.config.seatLockTtlSeconds,
    };
  }

  async release(caller: Principal, seatId: number) {
    const { optionId } = await this.optionOf(caller, seatId);
    const now = this.clock.now();
    const released = await this.locks.release(seatId, optionId, caller.userId, now.getTime());
    if (released === 'OTHERS') throw beingSelected();
    if (released === 'RELEASED') await this.repository.seatEvents([seatId], null, now);
    return { optionId, seatId, status: 'RELEASED' as const, released: released === 'RELEASED' };
  }

  /** One pass of the expiry job: push the current status of every seat whose lock ran out. */
  async pushEnded(): Promise<number> {
    const now = this.clock.now();
    const ended = await this.locks.claimEnded(now.getTime(), EXPIRY_BATCH);
    if (ended.length === 0) return 0;
    try {
      await this.repository.seatEvents(
        ended.map((l) => l.seatId),
        null,
        now,
      );
    } catch (err) {
      // Claimed but not pushed: clients see the seat again on their next read of the seat map.
      this.logger.warn({ err: String(err), seats: ended.length }, 'ended seat locks could not be pushed');
    }
    return ended.length;
  }

  /** The seat's option, for a release (404 for an unknown seat; the eligibility rules do not apply). */
  private async optionOf(caller: Principal, seatId: number) {
    const seat = await this.repository.eligibility(caller.userId, seatId);
    if (!seat) throw notFound('Seat');
    return seat;
  }
}
