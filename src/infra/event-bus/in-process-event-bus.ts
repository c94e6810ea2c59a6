import { Injectable, Logger } from '@nestjs/common';
import type { PushEvent } from '../outbox/outbox-events';
import type { EventBus, PushEventHandler } from './event-bus.port';
import { LocalHandlers } from './local-handlers';

/** Without KAFKA_BROKERS: one process, so publishing is delivering to this process's handlers. */
@Injectable()
export class InProcessEventBus implements EventBus {
  private readonly handlers = new LocalHandlers(new Logger(InProcessEventBus.name));

  publish(events: PushEvent[]): Promise<void> {
    for (const event of events) this.handlers.dispatch(event);
    return Promise.resolve();
  }

  subscribe(handler: PushEventHandler): () => void {
    return this.handlers.add(handler);
  }
}
