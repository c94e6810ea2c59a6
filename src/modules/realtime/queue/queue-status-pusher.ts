import { Inject, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Clock, CLOCK } from '../../../common/clock';
import { Metrics } from '../../../infra/metrics/metrics.service';
import type { QueueStatus } from '../../admission/waiting-room/room-config';
import { RoomTicked } from '../../admission/waiting-room/room-signals';
import { WaitingRoomService } from '../../admission/waiting-room/waiting-room.service';
import { RealtimeGateway } from '../realtime.gateway';
import { Follower, QueueFollowers } from './queue-followers';

/** Fans looked up per call to the room store (one Lua call each, however many fans). */
const LOOKUP_BATCH = 5000;

/**
 * QUEUE_STATUS to this instance's followers of a room, after each of the room's ticks (whichever
 * instance ran it): one look at the store for all of them, then a push to each fan whose status
 * changed (at once) or whose rank moved (at most once per wall-clock second). Redis calls per tick are
 * per room and batch, never per fan.
 */
@Injectable()
export class QueueStatusPusher {
  private readonly logger = new Logger(QueueStatusPusher.name);

  constructor(
    private readonly followers: QueueFollowers,
    private readonly rooms: WaitingRoomService,
    private readonly gateway: RealtimeGateway,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** A new follower starts with the current status. */
  async greet(concertId: number, userId: number, follower: Follower): Promise<void> {
    const [status] = await this.rooms.statuses(concertId, [userId]);
    this.send(userId, follower, status);
  }

  @OnEvent(RoomTicked.event)
  async onTick({ concertId, counts }: RoomTicked): Promise<void> {
    const concert = String(concertId);
    this.metrics.queueWaiting.set({ concert }, counts.waitingCount);
    this.metrics.queueActive.set({ concert }, counts.activeCount);
    const room = this.followers.of(concertId);
    if (!room) return;
    const userIds = [...room.keys()];
    try {
      for (let i = 0; i < userIds.length; i += LOOKUP_BATCH) {
        const statuses = await this.rooms.statuses(concertId, userIds.slice(i, i + LOOKUP_BATCH));
        for (const status of statuses) {
          const follower = room.get(status.userId);
          if (follower && this.due(follower, status)) this.send(status.userId, follower, status);
        }
      }
    } catch (err) {
      this.logger.warn({ err: String(err), concertId }, 'queue statuses not pushed this tick');
    }
  }

  private due(follower: Follower, status: QueueStatus): boolean {
    const last = follower.last;
    if (!last || last.status !== status.status) return true;
    return last.rank !== status.rank && follower.lastSecond !== this.second();
  }

  private send(userId: number, follower: Follower, status: QueueStatus): void {
    follower.last = status;
    follower.lastSecond = this.second();
    for (const stream of follower.streams) stream.sendMessage('QUEUE_STATUS', status);
    if (follower.sockets > 0) this.gateway.emitToUser(userId, 'QUEUE_STATUS', status);
  }

  private second(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}
