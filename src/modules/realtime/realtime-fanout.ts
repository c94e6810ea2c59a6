import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, EventBus } from '../../infra/event-bus/event-bus.port';
import { RealtimeGateway } from './realtime.gateway';
import { SseHub } from './sse-hub';

/** Every event the bus brings to this instance goes to this instance's sockets and SSE streams. */
@Injectable()
export class RealtimeFanout implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly gateway: RealtimeGateway,
    private readonly sse: SseHub,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.bus.subscribe((event) => {
      this.gateway.deliver(event);
      this.sse.deliver(event);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
