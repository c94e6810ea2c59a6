import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../../common/auth/principal';
import { inTransaction } from '../../../database/transaction';
import { AdminActions } from '../../../infra/admin-actions/admin-actions';
import { Clock, CLOCK } from '../../../common/clock';
import { DomainError, notFound } from '../../../common/errors/domain-error';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { WaitingRoomDto } from '../dto/waiting-room.dto';
import { DEFAULT_ACTIVE_TTL_SECONDS, openDoor, queueStatus, QueueStatus, RoomConfig } from './room-config';
import { RoomConfigRepository } from './room-config.repository';
import { RoomDirectory } from './room-directory';
import { RoomSignals } from './room-signals';
import { ROOM_STORE, RoomStore } from './room-store';

/** The public view of a room: its configuration (null where never configured) and its counts. */
export interface RoomView {
  concertId: number;
  enabled: boolean;
  opensAt: Date | null;
  admissionPerMinute: number | null;
  maxActiveUsers: number | null;
  activeTtlSeconds: number | null;
  waitingCount: number;
  activeCount: number;
}

/**
 * The waiting room as fans and admins use it: configure, join, look, leave, and the gate a soft lock
 * asks. A room that is disabled or was never configured gates nothing: every fan is ACTIVE at once.
 */
@Injectable()
export class WaitingRoomService {
  private readonly logger = new Logger(WaitingRoomService.name);

  constructor(
    private readonly configs: RoomConfigRepository,
    private readonly directory: RoomDirectory,
    private readonly signals: RoomSignals,
    @Inject(ROOM_STORE) private readonly store: RoomStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly actions: AdminActions,
    private readonly dataSource: DataSource,
  ) {}

  async view(concertId: number): Promise<RoomView> {
    const config = await this.configs.find(concertId);
    if (!config && !(await this.configs.concertExists(concertId))) throw notFound('Concert');
    const { counts } = config ? await this.store.places(concertId, []) : { counts: undefined };
    return {
      concertId,
      enabled: config?.enabled ?? false,
      opensAt: config?.opensAt ?? null,
      admissionPerMinute: config?.admissionPerMinute ?? null,
      maxActiveUsers: config?.maxActiveUsers ?? null,
      activeTtlSeconds: config?.activeTtlSeconds ?? null,
      waitingCount: counts?.waitingCount ?? 0,
      activeCount: counts?.activeCount ?? 0,
    };
  }

  /**
   * Creates or replaces the room; every instance uses it from its next request on. `actor`: the admin
   * who asked (recorded in admin_actions with the change); none for the demo seed.
   */
  async configure(concertId: number, body: WaitingRoomDto, actor?: Principal): Promise<RoomView> {
    const room = {
      concertId,
      enabled: body.enabled,
      admissionPerMinute: body.admissionPerMinute,
      maxActiveUsers: body.maxActiveUsers,
      activeTtlSeconds: body.activeTtlSeconds ?? DEFAULT_ACTIVE_TTL_SECONDS,
      opensAt: body.opensAt ? new Date(body.opensAt) : null,
    };
    await inTransaction(this.dataSource, async (em) => {
      if (!(await this.configs.upsert(room, em))) throw notFound('Concert');
      const entry = {
        action: 'WAITING_ROOM_SET',
        targetType: 'CONCERT',
        targetId: concertId,
        detail: body,
      } as const;
      if (actor) await this.actions.record(em, actor, entry);
    });
    await this.directory.reload(); // this instance before answering; the others on the notice
    await this.signals.changed();
    if (room.enabled) await this.applyOpening(room);
    return this.view(concertId);
  }

  /**
   * Closes the concert's room in the caller's transaction (a show cancellation that leaves the concert
   * nothing to sell); `afterClosed` after commit makes every instance drop it at once.
   */
  closeWithin(em: EntityManager, concertId: number): Promise<boolean> {
    return this.configs.disable(em, concertId);
  }

  async afterClosed(concertId: number): Promise<void> {
    await this.directory.reload();
    await this.signals.changed();
    this.logger.log(`waiting room of concert ${concertId} closed: every show of it is cancelled`);
  }

  /**
   * A changed opensAt takes effect at once: cleared or in the past, the pre-queue is shuffled into the
   * queue now and its fans learn their ranks (the next tick would do the same within a second).
   */
  private async applyOpening(room: RoomConfig): Promise<void> {
    try {
      const counts = await this.store.open(room, this.clock.now().getTime());
      await this.signals.ticked(room.concertId, counts);
    } catch (err) {
      this.logger.warn(
        `waiting room ${room.concertId} not opened at once (${String(err)}); the next tick will`,
      );
    }
  }

  /** The monitor: the last ten minutes of ticks and the admissions of the last minute. */
  async history(concertId: number) {
    await this.view(concertId); // 404 for an unknown concert
    const samples = await this.store.history(concertId);
    const last = samples.at(-1);
    const minuteAgo =
      last && [...samples].reverse().find((s) => last.at.getTime() - s.at.getTime() >= 60_000);
    const admittedLastMinute = last && minuteAgo ? last.admittedTotal - minuteAgo.admittedTotal : null;
    return { concertId, admittedLastMinute, samples };
  }

  async join(userId: number, concertId: number): Promise<QueueStatus> {
    const room = await this.gatingRoom(concertId);
    if (!room) return openDoor(concertId, userId);
    const now = this.clock.now().getTime();
    const { place, counts, joined } = await this.store.join(room, userId, now);
    if (joined) this.metrics.queueJoins.inc({ concert: String(concertId) });
    return queueStatus(room, place, counts, now);
  }

  async status(userId: number, concertId: number): Promise<QueueStatus> {
    return (await this.statuses(concertId, [userId], await this.gatingRoom(concertId)))[0];
  }

  async leave(userId: number, concertId: number): Promise<void> {
    if (await this.gatingRoom(concertId)) await this.store.leave(concertId, userId);
  }

  /** Several fans' statuses in one look at the store (the rank push); `room` as the directory has it. */
  async statuses(concertId: number, userIds: number[], known?: RoomConfig): Promise<QueueStatus[]> {
    const room = known ?? (await this.directory.enabled(concertId));
    if (!room) return userIds.map((userId) => openDoor(concertId, userId));
    const now = this.clock.now().getTime();
    const { places, counts } = await this.store.places(concertId, userIds);
    return places.map((place) => queueStatus(room, place, counts, now));
  }

  /**
   * A soft lock on a seat of a gated concert needs an admission whose own time is not over: past
   * `activeTtlSeconds` a fan may finish paying, not start anything (a hold asks through HoldGate instead).
   */
  async requireAdmitted(userId: number, seatId: number): Promise<void> {
    const room = await this.directory.roomOfSeat(seatId);
    const now = this.clock.now().getTime();
    if (room && !(await this.store.mayStart(room.concertId, userId, now))) throw admissionRequired();
  }

  /** The concert's enabled room, undefined when it gates nothing; 404 for an unknown concert. */
  private async gatingRoom(concertId: number): Promise<RoomConfig | undefined> {
    const room = await this.directory.enabled(concertId);
    if (!room && !(await this.configs.concertExists(concertId))) throw notFound('Concert');
    return room;
  }
}

export const admissionRequired = () =>
  new DomainError('ADMISSION_REQUIRED', "This concert's waiting room is on: join it and wait for your turn");
