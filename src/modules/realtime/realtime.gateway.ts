import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Namespace, Socket } from 'socket.io';
import { AppConfig } from '../../config/app-config';
import { securityHeaders } from '../../http/security-headers';
import { Metrics } from '../../infra/metrics/metrics.service';
import { isUserEvent, PushEvent } from '../../infra/outbox/outbox-events';
import type { Principal } from '../../common/auth/principal';
import { Authenticator } from '../auth/authenticator';
import { SessionWatch } from '../auth/session/session-watch';
import { optionRoom, SESSION_EXPIRED, SESSION_REVOKED, userRoom, wirePayload } from './push-wire';
import { parsePositiveId } from '../../common/ids';
import { CatalogService } from '../catalog/catalog.service';
import { DomainError } from '../../common/errors/domain-error';
import type { ErrorCode } from '../../common/errors/error-codes';
import type { QueueStatus } from '../admission/waiting-room/room-config';
import { WaitingRoomService } from '../admission/waiting-room/waiting-room.service';
import { QueueFollowers } from './queue/queue-followers';

/** seats.subscribe / seats.unsubscribe payload: `{ optionId }`, a positive integer. */
const optionIdOf = (body: unknown) => parsePositiveId((body as { optionId?: unknown } | undefined)?.optionId);

/** Bounds the rooms one socket can make the server track. */
const MAX_OPTION_SUBSCRIPTIONS = 50;

type SubscribeAck =
  | { ok: true; optionId: number }
  | { ok: false; errorCode: 'VALIDATION_FAILED' | 'NOT_FOUND'; message: string };

const BAD_OPTION_ID: SubscribeAck = {
  ok: false,
  errorCode: 'VALIDATION_FAILED',
  message: 'optionId must be a positive integer',
};

interface SocketData {
  principal?: Principal;
  /** Concerts whose waiting room this socket follows (queue.subscribe). */
  queues?: Set<number>;
  /** Ends the socket when its token expires. */
  expiry?: NodeJS.Timeout;
  /** Stops watching its session for a revocation. */
  unwatch?: () => void;
}

/** A user's socket carries their events only while their token is valid. */
function endAtExpiry(socket: Socket, expiresAtMs: number): NodeJS.Timeout {
  const timer = setTimeout(
    () => {
      socket.emit('SESSION_EXPIRED', SESSION_EXPIRED);
      socket.disconnect(true);
    },
    Math.max(0, expiresAtMs - Date.now()),
  );
  timer.unref();
  return timer;
}

/**
 * socket.io serves its client script (/socket.io/socket.io.js, .min.js, .map, a 304) from its own
 * listener on the raw HTTP server, which it put in front of Fastify's and which neither Fastify's hooks
 * nor engine.io's `headers` events see. A listener put in front of that one sets the headers first; it
 * only looks at socket.io's path, so Fastify's requests are not touched twice.
 */
function serveClientScriptWithHeaders(namespace: Namespace, headers: Record<string, string>): void {
  const prefix = `${namespace.server.path()}/`;
  namespace.server.httpServer?.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith(prefix)) return;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  });
}

/** queue.subscribe / queue.unsubscribe payload: `{ concertId }`. */
const concertIdOf = (body: unknown) =>
  parsePositiveId((body as { concertId?: unknown } | undefined)?.concertId);
const MAX_QUEUE_SUBSCRIPTIONS = 20;

type QueueAck = { ok: true; concertId: number } | { ok: false; errorCode: ErrorCode; message: string };

/**
 * socket.io on /realtime. The handshake's `auth.token` is verified once: a valid one puts the socket in
 * its user's room (that user's RESERVATION_STATUS, HOLD_EXPIRING and ORDER_STATUS only); an invalid one is refused with connect_error
 * UNAUTHENTICATED; none at all is an anonymous socket that may only follow seats (seat status is public,
 * like the seat map).
 */
@WebSocketGateway({ namespace: '/realtime' })
export class RealtimeGateway implements OnGatewayInit<Namespace>, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(RealtimeGateway.name);
  private namespace?: Namespace;

  constructor(
    private readonly auth: Authenticator,
    private readonly metrics: Metrics,
    private readonly catalog: CatalogService,
    private readonly rooms: WaitingRoomService,
    private readonly followers: QueueFollowers,
    private readonly config: AppConfig,
    private readonly sessions: SessionWatch,
  ) {}

  afterInit(namespace: Namespace): void {
    this.namespace = namespace;
    // socket.io answers its HTTP requests (the handshake, long-polling) itself, outside Fastify's hooks.
    const headers = securityHeaders(this.config.behindTls);
    namespace.server.engine.on('initial_headers', (h: Record<string, string>) => Object.assign(h, headers));
    namespace.server.engine.on('headers', (h: Record<string, string>) => Object.assign(h, headers));
    serveClientScriptWithHeaders(namespace, headers);
    namespace.use(async (socket, next) => {
      const raw: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      if (raw === undefined || raw === null || raw === '') return next();
      const token = typeof raw === 'string' ? raw.replace(/^Bearer\s+/i, '') : undefined;
      const principal = await this.auth.principal(token);
      if (!principal) {
        const err = new Error('UNAUTHENTICATED') as Error & { data?: unknown };
        err.data = { status: 401, errorCode: 'UNAUTHENTICATED', message: 'Invalid or expired token' };
        return next(err);
      }
      (socket.data as SocketData).principal = principal;
      next();
    });
  }

  handleConnection(socket: Socket): void {
    const data = socket.data as SocketData;
    const principal = data.principal;
    if (principal) void socket.join(userRoom(principal.userId));
    if (principal?.expiresAtMs) data.expiry = endAtExpiry(socket, principal.expiresAtMs);
    // A logout or a reused refresh token, on any instance, ends the socket at once.
    if (principal)
      data.unwatch = this.sessions.watch(principal, () => {
        socket.emit('SESSION_EXPIRED', SESSION_REVOKED);
        socket.disconnect(true);
      });
    this.metrics.connectedSockets.inc({ transport: 'socket.io' });
  }

  handleDisconnect(socket: Socket): void {
    const data = socket.data as SocketData;
    clearTimeout(data.expiry);
    data.unwatch?.();
    for (const concertId of data.queues ?? []) this.followers.removeSocket(concertId, data.principal!.userId);
    this.metrics.connectedSockets.dec({ transport: 'socket.io' });
  }

  /**
   * Follows the signed-in fan's place in a concert's waiting room: the current QUEUE_STATUS at once, then
   * the pushes after each tick (QueueStatusPusher), to the user's room.
   */
  @SubscribeMessage('queue.subscribe')
  async subscribeQueue(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<QueueAck> {
    const data = socket.data as SocketData;
    if (!data.principal) {
      return { ok: false, errorCode: 'UNAUTHENTICATED', message: 'connect with a token to follow a queue' };
    }
    const concertId = concertIdOf(body);
    if (!concertId)
      return { ok: false, errorCode: 'VALIDATION_FAILED', message: 'concertId must be a positive integer' };
    data.queues ??= new Set();
    if (!data.queues.has(concertId) && data.queues.size >= MAX_QUEUE_SUBSCRIPTIONS) {
      return {
        ok: false,
        errorCode: 'VALIDATION_FAILED',
        message: `at most ${MAX_QUEUE_SUBSCRIPTIONS} queues per socket`,
      };
    }
    let status: QueueStatus;
    try {
      status = await this.rooms.status(data.principal.userId, concertId);
    } catch (err) {
      if (err instanceof DomainError) return { ok: false, errorCode: err.code, message: err.message };
      throw err;
    }
    if (!data.queues.has(concertId)) {
      data.queues.add(concertId);
      this.followers.addSocket(concertId, data.principal.userId).last ??= status;
    }
    socket.emit('QUEUE_STATUS', status);
    return { ok: true, concertId };
  }

  @SubscribeMessage('queue.unsubscribe')
  unsubscribeQueue(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): QueueAck {
    const data = socket.data as SocketData;
    const concertId = concertIdOf(body);
    if (!concertId)
      return { ok: false, errorCode: 'VALIDATION_FAILED', message: 'concertId must be a positive integer' };
    if (data.principal && data.queues?.delete(concertId))
      this.followers.removeSocket(concertId, data.principal.userId);
    return { ok: true, concertId };
  }

  /** A message outside the outbox (QUEUE_STATUS) to the user's sockets on this instance. */
  emitToUser(userId: number, type: string, payload: object): void {
    if (!this.namespace?.adapter.rooms.has(userRoom(userId))) return;
    this.namespace.to(userRoom(userId)).emit(type, payload);
  }

  @SubscribeMessage('seats.subscribe')
  async subscribeSeats(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: unknown,
  ): Promise<SubscribeAck> {
    const optionId = optionIdOf(body);
    if (!optionId) return BAD_OPTION_ID;
    const joined = [...socket.rooms].filter((r) => r.startsWith('option:')).length;
    if (joined >= MAX_OPTION_SUBSCRIPTIONS && !socket.rooms.has(optionRoom(optionId))) {
      return {
        ok: false,
        errorCode: 'VALIDATION_FAILED',
        message: `at most ${MAX_OPTION_SUBSCRIPTIONS} options per socket`,
      };
    }
    if (!(await this.catalog.optionExists(optionId))) {
      return { ok: false, errorCode: 'NOT_FOUND', message: 'option not found' };
    }
    await socket.join(optionRoom(optionId));
    return { ok: true, optionId };
  }

  @SubscribeMessage('seats.unsubscribe')
  async unsubscribeSeats(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: unknown,
  ): Promise<SubscribeAck> {
    const optionId = optionIdOf(body);
    if (!optionId) return BAD_OPTION_ID;
    await socket.leave(optionRoom(optionId));
    return { ok: true, optionId };
  }

  /** Sends one published event to the sockets of this instance that may see it. */
  deliver(event: PushEvent): void {
    if (!this.namespace) return;
    const room = isUserEvent(event) ? userRoom(event.userId) : optionRoom(event.optionId);
    // Most events have nobody listening here (every instance sees every event): skip encoding them. The
    // adapter is socket.io's in-memory one, so its rooms are exactly this instance's sockets.
    if (!this.namespace.adapter.rooms.has(room)) return;
    try {
      this.namespace.to(room).emit(event.type, wirePayload(event));
    } catch (err) {
      this.logger.warn({ err: String(err), eventId: event.eventId }, 'socket delivery failed');
    }
  }
}
