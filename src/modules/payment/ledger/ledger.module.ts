import { Module } from '@nestjs/common';
import { LedgerRepository } from './ledger.repository';
import { WalletAccounts } from './wallet-accounts.repository';

/**
 * The money tables: the ledger (payment_transactions) and the wallets. The one write path for both;
 * a module of its own so that the gateway binding (which the wallet provider needs) and the payment
 * services can both import it.
 */
@Module({
  providers: [LedgerRepository, WalletAccounts],
  exports: [LedgerRepository, WalletAccounts],
})
export class LedgerModule {}
