import type { PushEvent } from '../outbox/outbox-events';

export type PushEventHandler = (event: PushEvent) => void;

/**
 * Carries published outbox events to every instance's local clients. `publish` resolves once the
 * transport has accepted the events (Kafka acks, or local delivery); only then does the relay mark
 * them published. Handlers see each published event once per publish, on every instance.
 */
export interface EventBus {
  publish(events: PushEvent[]): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(handler: PushEventHandler): () => void;
}

export const EVENT_BUS = Symbol('EVENT_BUS');

/** The Kafka message key: one reservation's (one seat's, one order's) events stay in order on one partition. */
export function partitionKeyOf(event: PushEvent): string {
  if (event.type === 'SEAT_STATUS') return `${event.optionId}:${event.seatId}`;
  if (event.type === 'ORDER_STATUS') return `order:${event.orderId}`;
  return String(event.reservationId);
}
