import { Module } from '@nestjs/common';
import { LedgerModule } from './ledger/ledger.module';
import { PaymentMethodsController } from './payment-methods.controller';
import { PaymentMethodsService } from './payment-methods.service';
import { WalletController } from './wallet.controller';
import { WalletService } from './wallet.service';

/**
 * The payment side: the ledger and wallets (LedgerModule), the method catalog, the wallet API. The
 * gateway port is bound globally by PaymentGatewayModule. Knows nothing of reservations.
 */
@Module({
  imports: [LedgerModule],
  controllers: [PaymentMethodsController, WalletController],
  providers: [PaymentMethodsService, WalletService],
  exports: [LedgerModule, PaymentMethodsService, WalletService],
})
export class PaymentModule {}
