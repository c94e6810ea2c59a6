import { Logger } from '@nestjs/common';
import type { PushEvent } from '../outbox/outbox-events';
import type { PushEventHandler } from './event-bus.port';

/** The subscribers of one instance. A throwing handler is logged and never stops the others. */
export class LocalHandlers {
  private readonly handlers = new Set<PushEventHandler>();

  constructor(private readonly logger: Logger) {}

  add(handler: PushEventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  dispatch(event: PushEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (err) {
        this.logger.warn({ err: String(err), eventId: event.eventId }, 'push handler failed');
      }
    }
  }
}
