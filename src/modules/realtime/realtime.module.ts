import { Module } from '@nestjs/common';
import { OutboxModule } from '../../infra/outbox/outbox.module';
import { AuthModule } from '../auth/auth.module';
import { AdmissionModule } from '../admission/admission.module';
import { CatalogModule } from '../catalog/catalog.module';
import { QueueEventsController } from './queue/queue-events.controller';
import { QueueFollowers } from './queue/queue-followers';
import { QueueStatusPusher } from './queue/queue-status-pusher';
import { RealtimeFanout } from './realtime-fanout';
import { RealtimeGateway } from './realtime.gateway';
import { ReservationEventsController } from './reservation-events.controller';
import { SeatEventsController } from './seat-events.controller';
import { SseHub } from './sse-hub';

/**
 * Realtime push: the outbox relay publishes committed events to the bus (in-process or Kafka); the
 * fan-out hands every event that reaches this instance to its socket.io rooms and SSE streams. Waiting
 * room statuses do not go through the outbox: after each tick, every instance pushes its own followers'.
 */
@Module({
  imports: [AuthModule, CatalogModule, OutboxModule, AdmissionModule],
  controllers: [ReservationEventsController, SeatEventsController, QueueEventsController],
  providers: [RealtimeGateway, SseHub, RealtimeFanout, QueueFollowers, QueueStatusPusher],
  exports: [SseHub],
})
export class RealtimeModule {}
