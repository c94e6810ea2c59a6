import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { DependencyProbes } from '../../health/dependency-probes';
import { EVENT_BUS, EventBus } from './event-bus.port';
import { InProcessEventBus } from './in-process-event-bus';
import { KafkaEventBus } from './kafka-event-bus';

/** Binds the push transport once at boot: Kafka when KAFKA_BROKERS is set, else in-process. */
@Module({
  providers: [
    {
      provide: EVENT_BUS,
      inject: [AppConfig, DependencyProbes],
      useFactory: (config: AppConfig, probes: DependencyProbes): EventBus => {
        if (!config.kafkaBrokers?.length) return new InProcessEventBus();
        const bus = new KafkaEventBus(config.kafkaBrokers, config.kafkaTopic);
        probes.register({ name: 'kafka', check: () => bus.check() });
        return bus;
      },
    },
  ],
  exports: [EVENT_BUS],
})
export class EventBusModule {}
