import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { Logger } from 'pino';
import { BootstrapDataService } from './bootstrap/bootstrap-data.service';
import { AdminModule } from './modules/admin/admin.module';
import { Clock } from './common/clock';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { LogDestination } from './common/logging/logging.module';
import { RateLimitModule } from './modules/auth/rate-limit/rate-limit.module';
import { validationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { InfraModule } from './infra/infra.module';
import { AdmissionModule } from './modules/admission/admission.module';
import { AuthModule } from './modules/auth/auth.module';
import { CancellationModule } from './modules/cancellation/cancellation.module';
import { CatalogModule } from './modules/catalog/catalog.module';
import { CheckoutModule } from './modules/checkout/checkout.module';
import { PaymentGatewayModule } from './modules/payment/gateway/payment-gateway.module';
import type { PaymentGateway } from './modules/payment/gateway/payment-gateway.port';
import { PaymentModule } from './modules/payment/payment.module';
import { RealtimeModule } from './modules/realtime/realtime.module';
import { RefundModule } from './modules/refund/refund.module';
import { ReservationModule } from './modules/reservation/reservation.module';
import type { HostResolver } from './modules/webhooks/target-policy';
import { WebhooksModule } from './modules/webhooks/webhooks.module';

/** Seams that medium and e2e tests may replace: only the clock, the payment gateway and DNS. */
export interface AppOverrides {
  clock?: Clock;
  paymentGateway?: PaymentGateway;
  /** DNS for webhook targets (the SSRF checks), so a test can make a name resolve anywhere. */
  resolver?: HostResolver;
  /** Where the JSON log goes instead of stdout (the log-secrets test reads it back). */
  logDestination?: LogDestination;
}

/** The table of contents: infrastructure, the payment seam, then the feature modules (each depends only on those before it). */
@Module({})
export class AppModule {
  static register(config: AppConfig, overrides: AppOverrides, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfraModule.forRoot(config, logger, overrides.clock),
        PaymentGatewayModule.register(overrides.paymentGateway),
        PaymentModule,
        AuthModule,
        RateLimitModule,
        AdmissionModule,
        CatalogModule,
        ReservationModule,
        CheckoutModule,
        RefundModule,
        RealtimeModule,
        AdminModule,
        CancellationModule,
        WebhooksModule.register(overrides.resolver),
      ],
      providers: [
        { provide: APP_PIPE, useValue: validationPipe() },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        BootstrapDataService,
      ],
    };
  }
}
