import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { LedgerModule } from '../ledger/ledger.module';
import { LedgerRepository } from '../ledger/ledger.repository';
import { WalletAccounts } from '../ledger/wallet-accounts.repository';
import { MockPaymentGateway } from './mock.gateway';
import { PAYMENT_GATEWAY, PAYMENT_GATEWAYS, PaymentGateway, PaymentGateways } from './payment-gateway.port';
import { PgReadyPaymentGateway } from './pg-ready.gateway';
import { WalletPaymentGateway } from './wallet.gateway';

/** The one place that knows the concrete providers: binds PAYMENT_GATEWAY from validated config. */
function createPaymentGateway(
  config: AppConfig,
  dataSource: DataSource,
  ledger: LedgerRepository,
  wallets: WalletAccounts,
  provider = config.paymentProvider,
): PaymentGateway {
  switch (provider) {
    case 'wallet':
      return new WalletPaymentGateway(ledger, wallets);
    case 'mock':
      return new MockPaymentGateway(config);
    case 'pg-ready':
      return new PgReadyPaymentGateway(config);
  }
}

const PROVIDERS = ['wallet', 'mock', 'pg-ready'] as const;

/** The configured gateway under its name, and the other providers beside it, built from the same config. */
function createPaymentGateways(
  current: PaymentGateway,
  config: AppConfig,
  dataSource: DataSource,
  ledger: LedgerRepository,
  wallets: WalletAccounts,
): PaymentGateways {
  const byName = new Map<string, PaymentGateway>(
    PROVIDERS.map((p) => [p, createPaymentGateway(config, dataSource, ledger, wallets, p)]),
  );
  byName.set(current.provider, current);
  return { of: (provider) => byName.get(provider) ?? current, names: [...byName.keys()] };
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
        {
          provide: PAYMENT_GATEWAYS,
          inject: [PAYMENT_GATEWAY, AppConfig, DataSource, LedgerRepository, WalletAccounts],
          useFactory: createPaymentGateways,
        },
        override
          ? { provide: PAYMENT_GATEWAY, useValue: override }
          : {
              provide: PAYMENT_GATEWAY,
              inject: [AppConfig, DataSource, LedgerRepository, WalletAccounts],
              useFactory: createPaymentGateway,
            },
      ],
      exports: [PAYMENT_GATEWAY, PAYMENT_GATEWAYS],
    };
  }
}
