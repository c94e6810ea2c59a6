import { Module } from '@nestjs/common';
import { EventBusModule } from '../event-bus/event-bus.module';
import { OutboxRelay } from './outbox-relay';
import { OutboxRepository } from './outbox.repository';

/** The relay that moves committed outbox rows onto the event bus, and the outbox queries SSE replay needs. */
@Module({
  imports: [EventBusModule],
  providers: [OutboxRepository, OutboxRelay],
  exports: [OutboxRepository, OutboxRelay, EventBusModule],
})
export class OutboxModule {}
