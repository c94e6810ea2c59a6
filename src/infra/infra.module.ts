import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { Clock } from '../common/clock';
import { CommonModule } from '../common/common.module';
import { LoggingModule } from '../common/logging/logging.module';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { HealthModule } from '../health/health.module';
import { AdminActionsModule } from './admin-actions/admin-actions.module';
import { MetricsModule } from './metrics/metrics.module';
import { OutboxModule } from './outbox/outbox.module';
import { RedisModule } from './redis/redis.module';

/**
 * What every feature module runs on: validated config, the clock, the logger, the database (migrated),
 * metrics, Redis, the typed event emitter, the outbox relay and the admin actions trail. The application imports it once; a
 * module's medium spec imports it with only the module under test (test/support/module-harness.ts).
 */
@Module({})
export class InfraModule {
  static forRoot(config: AppConfig, logger: Logger, clock?: Clock): DynamicModule {
    return {
      module: InfraModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule.forRoot(clock),
        LoggingModule.forRoot(logger),
        DatabaseModule,
        HealthModule,
        MetricsModule,
        RedisModule,
        EventEmitterModule.forRoot(),
        OutboxModule,
        AdminActionsModule,
      ],
    };
  }
}
