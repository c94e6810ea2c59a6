import { Module } from '@nestjs/common';
import { OutboxModule } from '../../infra/outbox/outbox.module';
import { AuthModule } from '../auth/auth.module';
import { CatalogModule } from '../catalog/catalog.module';
import { RealtimeFanout } from './realtime-fanout';
import { RealtimeGateway } from './realtime.gateway';
import { ReservationEventsController } from './reservation-events.controller';
import { SeatEventsController } from './seat-events.controller';
import { SseHub } from './sse-hub';

/**
 * Realtime push: the outbox relay publishes committed events to the bus (in-process or Kafka); the
 * fan-out hands every event that reaches this instance to its socket.io rooms and SSE streams.
 */
@Module({
  imports: [AuthModule, CatalogModule, OutboxModule],
  controllers: [ReservationEventsController, SeatEventsController],
  providers: [RealtimeGateway, SseHub, RealtimeFanout],
  exports: [SseHub],
})
export class RealtimeModule {}
