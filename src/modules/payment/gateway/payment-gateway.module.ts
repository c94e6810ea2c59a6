import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { LedgerModule } from '../ledger/ledger.module';
import { LedgerRepository } from '../ledger/ledger.repository';
import { WalletAccounts } from '../ledger/wallet-accounts.repository';
import { MockPaymentGateway } from './mock.gateway';
import { PAYMENT_GATEWAY, PaymentGateway } from './payment-gateway.port';
import { PgReadyPaymentGateway } from './pg-ready.gateway';
import { WalletPaymentGateway } from './wallet.gateway';

/** The one place that knows the concrete providers: binds PAYMENT_GATEWAY from validated config. */
function createPaymentGateway(
  config: AppConfig,
  dataSource: DataSource,
  ledger: LedgerRepository,
  wallets: WalletAccounts,
): PaymentGateway {
  switch (config.paymentProvider) {
    case 'wallet':
      return new WalletPaymentGateway(dataSource, ledger, wallets);
    case 'mock':
      return new MockPaymentGateway(config);
    case 'pg-ready':
      return new PgReadyPaymentGateway(config);
  }
}

/** Global, like the clock: the gateway is a seam every money-moving module sees. */
@Global()
@Module({})
export class PaymentGatewayModule {
  /** `override` lets medium tests inject a failing or slow gateway; production binds from config. */
  static register(override?: PaymentGateway): DynamicModule {
    return {
      module: PaymentGatewayModule,
      imports: [LedgerModule],
      providers: [
        override
          ? { provide: PAYMENT_GATEWAY, useValue: override }
          : {
              provide: PAYMENT_GATEWAY,
              inject: [AppConfig, DataSource, LedgerRepository, WalletAccounts],
              useFactory: createPaymentGateway,
            },
      ],
      exports: [PAYMENT_GATEWAY],
    };
  }
}
