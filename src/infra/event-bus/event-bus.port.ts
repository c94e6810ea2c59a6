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

/** The Kafka message key: one reservation's (one seat's, one order's, one cancellation run's) events stay in order on one partition. */
export function partitionKeyOf(event: PushEvent): string {
  switch (event.type) {
    case 'SEAT_STATUS':
      return `${event.optionId}:${event.seatId}`;
    case 'ORDER_STATUS':
      return `order:${event.orderId}`;
    case 'CANCELLATION_PROGRESS':
      return `cancellation:${event.runId}`;
    case 'SHOW_CANCELLED':
      return `cancellation:${event.id}`;
    default:
      return String(event.reservationId);
  }
}
