import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Metrics } from '../../infra/metrics/metrics.service';
import { isUserEvent, PushEvent } from '../../infra/outbox/outbox-events';
import { SseStream, takeOverResponse } from './sse-stream';

/** The contract's heartbeat: a comment line every 15 s keeps proxies from closing idle streams. */
const HEARTBEAT_MS = 15_000;

/** This instance's open SSE streams, indexed by user (RESERVATION_STATUS, HOLD_EXPIRING, ORDER_STATUS) and by option (SEAT_STATUS). */
@Injectable()
export class SseHub implements OnModuleDestroy {
  /** Mutable so a test can observe heartbeats without waiting 15 s; not configuration. */
  heartbeatMs = HEARTBEAT_MS;
  private readonly byUser = new Map<number, Set<SseStream>>();
  private readonly byOption = new Map<number, Set<SseStream>>();
  private readonly standalone = new Map<number, Set<SseStream>>();
  private standaloneCount = 0;

  constructor(private readonly metrics: Metrics) {}

  openForUser(reply: FastifyReply, userId: number): SseStream {
    return this.open(reply, this.byUser, userId);
  }

  openForOption(reply: FastifyReply, optionId: number): SseStream {
    return this.open(reply, this.byOption, optionId);
  }

  /** A stream the caller feeds itself (QUEUE_STATUS); `onClose` runs once when it ends. */
  openStandalone(reply: FastifyReply, onClose: () => void): SseStream {
    const key = ++this.standaloneCount;
    const stream = this.open(reply, this.standalone, key);
    stream.onEnd(onClose);
    return stream;
  }

  deliver(event: PushEvent): void {
    const streams = isUserEvent(event) ? this.byUser.get(event.userId) : this.byOption.get(event.optionId);
    if (streams) for (const stream of streams) stream.send(event);
  }

  /** Ends every stream first, so shutdown does not wait for clients that never hang up. */
  onModuleDestroy(): void {
    for (const index of [this.byUser, this.byOption, this.standalone]) {
      for (const streams of index.values()) for (const stream of [...streams]) stream.close();
    }
  }

  private open(reply: FastifyReply, index: Map<number, Set<SseStream>>, key: number): SseStream {
    const stream = new SseStream(takeOverResponse(reply), this.heartbeatMs, () => {
      const set = index.get(key);
      set?.delete(stream);
      if (set?.size === 0) index.delete(key);
      this.metrics.connectedSockets.dec({ transport: 'sse' });
    });
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(stream);
    this.metrics.connectedSockets.inc({ transport: 'sse' });
    return stream;
  }
}
