import { Injectable } from '@nestjs/common';
import type { QueueStatus } from '../../admission/waiting-room/room-config';
import type { SseStream } from '../sse-stream';

/** One fan following one room from this instance: their SSE streams, how many sockets, what they last got. */
export interface Follower {
  streams: Set<SseStream>;
  sockets: number;
  last?: QueueStatus;
  /** The wall-clock second of the last push (rank pushes: at most one per second). */
  lastSecond?: number;
}

/** Who follows which waiting room on this instance (SSE subscribers and queue.subscribe sockets). */
@Injectable()
export class QueueFollowers {
  private readonly rooms = new Map<number, Map<number, Follower>>();

  of(concertId: number): Map<number, Follower> | undefined {
    return this.rooms.get(concertId);
  }

  addStream(concertId: number, userId: number, stream: SseStream): Follower {
    const follower = this.follower(concertId, userId);
    follower.streams.add(stream);
    return follower;
  }

  removeStream(concertId: number, userId: number, stream: SseStream): void {
    const follower = this.rooms.get(concertId)?.get(userId);
    follower?.streams.delete(stream);
    this.dropIfIdle(concertId, userId);
  }

  addSocket(concertId: number, userId: number): Follower {
    const follower = this.follower(concertId, userId);
    follower.sockets++;
    return follower;
  }

  removeSocket(concertId: number, userId: number): void {
    const follower = this.rooms.get(concertId)?.get(userId);
    if (follower) follower.sockets = Math.max(0, follower.sockets - 1);
    this.dropIfIdle(concertId, userId);
  }

  private follower(concertId: number, userId: number): Follower {
    let room = this.rooms.get(concertId);
    if (!room) this.rooms.set(concertId, (room = new Map()));
    let follower = room.get(userId);
    if (!follower) room.set(userId, (follower = { streams: new Set(), sockets: 0 }));
    return follower;
  }

  private dropIfIdle(concertId: number, userId: number): void {
    const room = this.rooms.get(concertId);
    const follower = room?.get(userId);
    if (!room || !follower || follower.streams.size > 0 || follower.sockets > 0) return;
    room.delete(userId);
    if (room.size === 0) this.rooms.delete(concertId);
  }
}
