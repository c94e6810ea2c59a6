import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { MockPaymentGateway } from './mock.gateway';
import { PAYMENT_GATEWAY, PaymentGateway } from './payment-gateway.port';
import { PgReadyPaymentGateway } from './pg-ready.gateway';
import { WalletPaymentGateway } from './wallet.gateway';

/** The one place that knows the concrete providers: binds PAYMENT_GATEWAY from validated config. */
export function createPaymentGateway(config: AppConfig, dataSource: DataSource): PaymentGateway {
  switch (config.paymentProvider) {
    case 'wallet':
      return new WalletPaymentGateway(dataSource);
    case 'mock':
      return new MockPaymentGateway(config);
    case 'pg-ready':
      return new PgReadyPaymentGateway(config);
  }
}

@Global()
@Module({})
export class PaymentGatewayModule {
  /** `override` lets medium tests inject a failing or slow gateway; production binds from config. */
  static register(override?: PaymentGateway): DynamicModule {
    return {
      module: PaymentGatewayModule,
      providers: [
        override
          ? { provide: PAYMENT_GATEWAY, useValue: override }
          : { provide: PAYMENT_GATEWAY, inject: [AppConfig, DataSource], useFactory: createPaymentGateway },
      ],
      exports: [PAYMENT_GATEWAY],
    };
  }
}
