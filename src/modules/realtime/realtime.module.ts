import { Module } from '@nestjs/common';
import { OutboxModule } from '../../infra/outbox/outbox.module';
import { AuthModule } from '../auth/auth.module';
import { RealtimeFanout } from './realtime-fanout';
import { RealtimeGateway } from './realtime.gateway';
import { RealtimeQueries } from './realtime.queries';
import { ReservationEventsController } from './reservation-events.controller';
import { SeatEventsController } from './seat-events.controller';
import { SseHub } from './sse-hub';

/**
 * Realtime push: the outbox relay publishes committed events to the bus (in-process or Kafka); the
 * fan-out hands every event that reaches this instance to its socket.io rooms and SSE streams.
 * Imported before ReservationModule so GET /api/reservations/v7/events is routed before /:id.
 */
@Module({
  imports: [AuthModule, OutboxModule],
  controllers: [ReservationEventsController, SeatEventsController],
  providers: [RealtimeGateway, SseHub, RealtimeFanout, RealtimeQueries],
  exports: [SseHub],
})
export class RealtimeModule {}
