import { Module } from '@nestjs/common';
import { ReservationModule } from '../../reservation/reservation.module';
import { LedgerRepository } from '../ledger.repository';
import { PaymentModule } from '../payment.module';
import { AdminPaymentsController } from './admin-payments.controller';
import { PgWebhookController } from './pg-webhook.controller';
import { PgWebhookService } from './pg-webhook.service';
import { StuckPaymentsRepository } from './stuck-payments.repository';
import { StuckPaymentsService } from './stuck-payments.service';
import { WebhookInboxRepository } from './webhook-inbox.repository';
import { WebhookSignatureGuard } from './webhook-signature.guard';

/**
 * The PG's asynchronous answers and what an operator needs when they do not come. A module of its own
 * because it moves reservations, and the reservation module already imports the payment module.
 * LedgerRepository is the payment feature's own (stateless) query class, provided here for this sub-module.
 */
@Module({
  imports: [PaymentModule, ReservationModule],
  controllers: [PgWebhookController, AdminPaymentsController],
  providers: [
    PgWebhookService,
    WebhookSignatureGuard,
    WebhookInboxRepository,
    LedgerRepository,
    StuckPaymentsRepository,
    StuckPaymentsService,
  ],
})
export class WebhookModule {}
