import http from 'node:http';
import { io, Socket } from 'socket.io-client';

/** A received push: the event name (socket.io event / SSE `event:`) and its JSON payload. */
export interface Received {
  type: string;
  id?: string;
  data: Record<string, unknown> & { eventId: number };
}

/** Collects events and lets a test wait (bounded) for one matching a predicate. */
export class Inbox {
  readonly events: Received[] = [];
  private waiters: { match: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];

  push(received: Received): void {
    this.events.push(received);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(received)) return true;
      w.resolve(received);
      return false;
    });
  }

  waitFor(match: (r: Received) => boolean, timeoutMs = 5000, what = 'event'): Promise<Received> {
    const found = this.events.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.events)}`,
          ),
        );
      }, timeoutMs);
      const done = (r: Received) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  ofType(type: string): Received['data'][] {
    return this.events.filter((e) => e.type === type).map((e) => e.data);
  }
}

/** Matches a RESERVATION_STATUS push of this reservation in this status (and payment status, if given). */
export const isReservationStatus =
  (reservationId: number, status: string, paymentStatus?: string | null) => (r: Received) =>
    r.type === 'RESERVATION_STATUS' &&
    r.data.reservationId === reservationId &&
    r.data.status === status &&
    (paymentStatus === undefined || r.data.paymentStatus === paymentStatus);

export interface TestSocket {
  socket: Socket;
  inbox: Inbox;
  close: () => void;
}

/**
 * Connects to /realtime and resolves once connected; rejects on connect_error. WebSocket only unless
 * `transports` says otherwise; long-polling keeps cookies (withCredentials: engine.io's cookie jar in
 * Node), as a browser does, so a balancer's sticky cookie holds. `reconnection` is off unless asked for.
 */
export function connectSocket(
  baseUrl: string,
  token?: string,
  timeoutMs = 5000,
  options: { transports?: ('polling' | 'websocket')[]; reconnection?: boolean } = {},
): Promise<TestSocket> {
  const socket = io(`${baseUrl}/realtime`, {
    transports: options.transports ?? ['websocket'],
    withCredentials: true,
    auth: token === undefined ? {} : { token },
    reconnection: options.reconnection ?? false,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1000,
    forceNew: true,
    timeout: timeoutMs,
  });
  const inbox = new Inbox();
  for (const type of ['RESERVATION_STATUS', 'SEAT_STATUS', 'HOLD_EXPIRING', 'ORDER_STATUS']) {
    socket.on(type, (data: Received['data']) => inbox.push({ type, data }));
  }
  return new Promise((resolve, reject) => {
    // Only the first connection decides: a later connect_error is a reconnection attempt, not a refusal.
    const refused = (err: Error) => {
      socket.disconnect();
      reject(err);
    };
    socket.once('connect_error', refused);
    socket.once('connect', () => {
      socket.off('connect_error', refused);
      resolve({ socket, inbox, close: () => socket.disconnect() });
    });
  });
}

export interface TestSse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The raw body so far (errors, heartbeats). */
  raw: () => string;
  inbox: Inbox;
  /** The server ended the stream (or the connection broke). */
  ended: () => boolean;
  close: () => void;
}

/**
 * A minimal EventSource: GET with the given headers, parses `event:`/`id:`/`data:` frames as they
 * arrive. Resolves once the response headers are in (for errors, after the whole body).
 */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<TestSse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const inbox = new Inbox();
      let raw = '';
      let pending = '';
      let ended = false;
      res.setEncoding('utf8');
      const result: TestSse = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        raw: () => raw,
        inbox,
        ended: () => ended,
        close: () => req.destroy(),
      };
      res.on('close', () => (ended = true));
      res.on('data', (chunk: string) => {
        raw += chunk;
        pending += chunk;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const frame = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) continue;
            const i = line.indexOf(':');
            if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trimStart();
          }
          if (fields.data)
            inbox.push({ type: fields.event ?? 'message', id: fields.id, data: JSON.parse(fields.data) });
        }
      });
      res.on('error', () => undefined);
      if (res.statusCode === 200) resolve(result);
      else res.on('end', () => resolve(result));
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
  });
}

/** Emits with an acknowledgement, bounded in time. */
export function emitWithAck<T>(socket: Socket, event: string, body: unknown, timeoutMs = 5000): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, body) as Promise<T>;
}

export const RESERVATION_FIELDS = [
  'eventId',
  'holdExpiresAt',
  'occurredAt',
  'optionId',
  'paymentStatus',
  'reservationId',
  'seatId',
  'status',
  'userId',
].sort();
export const SEAT_FIELDS = ['eventId', 'occurredAt', 'optionId', 'seatId', 'status'].sort();
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
