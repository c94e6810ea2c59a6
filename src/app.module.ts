import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { BootstrapDataService } from './bootstrap/bootstrap-data.service';
import { Clock } from './common/clock';
import { CommonModule } from './common/common.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import type { Logger } from 'pino';
import { LogDestination, LoggingModule } from './common/logging/logging.module';
import { SecurityModule } from './common/security/security.module';
import { validationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './infra/metrics/metrics.module';
import { RedisModule } from './infra/redis/redis.module';
import { AuthModule } from './modules/auth/auth.module';
import { CatalogModule } from './modules/catalog/catalog.module';
import { PaymentGatewayModule } from './modules/payment/gateway/payment-gateway.module';
import type { PaymentGateway } from './modules/payment/gateway/payment-gateway.port';
import { PaymentModule } from './modules/payment/payment.module';
import { ReconcileModule } from './modules/payment/reconcile/reconcile.module';
import { RealtimeModule } from './modules/realtime/realtime.module';
import { WebhookModule } from './modules/payment/webhook/webhook.module';
import { RefundModule } from './modules/refund/refund.module';
import { ReservationModule } from './modules/reservation/reservation.module';

/** Seams that medium and e2e tests may replace: only the clock and the payment gateway. */
export interface AppOverrides {
  clock?: Clock;
  paymentGateway?: PaymentGateway;
  /** Where the JSON log goes instead of stdout (the log-secrets test reads it back). */
  logDestination?: LogDestination;
}

/** The table of contents: infrastructure first, then the feature modules. */
@Module({})
export class AppModule {
  static register(config: AppConfig, overrides: AppOverrides, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule.forRoot(overrides.clock),
        LoggingModule.forRoot(logger),
        DatabaseModule,
        HealthModule,
        MetricsModule,
        RedisModule,
        PaymentGatewayModule.register(overrides.paymentGateway),
        AuthModule,
        SecurityModule,
        // Before ReservationModule: its GET /api/reservations/v7/events must win over GET /:id.
        RealtimeModule,
        CatalogModule,
        PaymentModule,
        ReservationModule,
        RefundModule,
        WebhookModule,
        ReconcileModule,
      ],
      providers: [
        { provide: APP_PIPE, useValue: validationPipe() },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        BootstrapDataService,
      ],
    };
  }
}
