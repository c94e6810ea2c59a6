import { Module } from '@nestjs/common';
import { LedgerRepository } from './ledger.repository';
import { PaymentAttemptsService } from './payment-attempts.service';
import { PaymentMethodsController } from './payment-methods.controller';
import { PaymentMethodsService } from './payment-methods.service';
import { PaymentRefunder } from './payment-refunder.service';
import { WalletController } from './wallet.controller';
import { WalletService } from './wallet.service';

/** Ledger, method catalog, wallet, refunds through the gateway. The gateway itself is bound globally. */
@Module({
  controllers: [PaymentMethodsController, WalletController],
  providers: [
    LedgerRepository,
    PaymentAttemptsService,
    PaymentMethodsService,
    PaymentRefunder,
    WalletService,
  ],
  exports: [PaymentAttemptsService, PaymentMethodsService, PaymentRefunder],
})
export class PaymentModule {}
