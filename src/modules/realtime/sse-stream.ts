import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { PushEvent } from '../../infra/outbox/outbox-events';
import { sseFrame } from './push-wire';

/**
 * Hands the response over for streaming: Fastify lets go of it (hijack), and the headers set on the reply
 * so far (security headers, X-Correlation-Id) are copied onto the raw response first.
 */
export function takeOverResponse(reply: FastifyReply): ServerResponse {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) reply.raw.setHeader(name, value);
  }
  reply.hijack();
  return reply.raw;
}

/** A client that stops reading is cut off (it reconnects with Last-Event-ID) rather than buffered forever. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * One open text/event-stream response. While a Last-Event-ID replay is being read from the outbox, live
 * events are held back and then sent after the replay, minus the ones the replay already contained.
 */
export class SseStream {
  private held?: PushEvent[];
  private replayedIds?: Set<number>;
  private heartbeat?: NodeJS.Timeout;
  private closed = false;
  private readonly endListeners: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    heartbeatMs: number,
    private readonly onClose: (stream: SseStream) => void,
  ) {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no'); // proxies must not buffer the stream
    res.flushHeaders();
    res.write(': connected\n\n');
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), heartbeatMs);
    this.heartbeat.unref();
    // The response's 'close' (not the request's) is the one that fires when the client goes away.
    res.on('close', () => this.close());
    res.on('error', () => this.close());
  }

  send(event: PushEvent): void {
    if (this.held) this.held.push(event);
    else if (!this.replayedIds?.has(event.eventId)) this.write(sseFrame(event));
  }

  /** A message outside the outbox's numbering (QUEUE_STATUS): no `id:`, so it never moves Last-Event-ID. */
  sendMessage(type: string, payload: object): void {
    this.write(`event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  /** Call before reading the replay, so nothing published meanwhile falls between replay and live. */
  holdLive(): void {
    this.held = [];
  }

  finishReplay(replayed: PushEvent[]): void {
    this.replayedIds = new Set(replayed.map((e) => e.eventId));
    for (const event of replayed) this.write(sseFrame(event));
    const held = this.held ?? [];
    this.held = undefined;
    for (const event of held) this.send(event);
  }

  /** Ends the stream at `atMs` (its token's expiry), with a SESSION_EXPIRED message the client can act on. */
  endAt(atMs: number, notice: object): void {
    const timer = setTimeout(() => this.endWith(notice), Math.max(0, atMs - Date.now()));
    timer.unref();
    this.onEnd(() => clearTimeout(timer));
  }

  /** Ends the stream now with a SESSION_EXPIRED message (the token expired or its session was revoked). */
  endWith(notice: object): void {
    this.sendMessage('SESSION_EXPIRED', notice);
    this.close();
  }

  /** Also runs `listener` when the stream ends (at once if it already has). */
  onEnd(listener: () => void): void {
    if (this.closed) listener();
    else this.endListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded) this.res.end();
    this.onClose(this);
    for (const listener of this.endListeners) listener();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    if (this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.close();
      return;
    }
    this.res.write(chunk);
  }
}
