import type { PushEvent } from '../../infra/outbox/outbox-events';

/**
 * The JSON clients receive: the contract's payload, whose type travels as the socket.io event name or
 * the SSE `event:` field, so `type` itself is not part of it.
 */
export function wirePayload(event: PushEvent): Omit<PushEvent, 'type'> {
  const { type: _type, ...payload } = event;
  return payload;
}

/** One SSE message: `event:` the payload type, `id:` the eventId (Last-Event-ID resumes after it). */
export function sseFrame(event: PushEvent): string {
  return `event: ${event.type}\nid: ${event.eventId}\ndata: ${JSON.stringify(wirePayload(event))}\n\n`;
}

/** What a push connection gets when its token expires, before it is closed: refresh, then reconnect. */
export const SESSION_EXPIRED = {
  errorCode: 'UNAUTHENTICATED',
  message: 'The access token expired: refresh it and connect again',
} as const;

/** What a push connection gets when its session is revoked (logout, a reused refresh token): log in again. */
export const SESSION_REVOKED = {
  errorCode: 'UNAUTHENTICATED',
  message: 'The session was ended (logout, or a refresh token used twice): log in again',
} as const;

export const userRoom = (userId: number) => `user:${userId}`;
export const optionRoom = (optionId: number) => `option:${optionId}`;
