import { Module } from '@nestjs/common';
import { IdempotencyService } from '../../infra/idempotency/idempotency.service';
import { PaymentModule } from '../payment/payment.module';
import { ReservationModule } from '../reservation/reservation.module';
import { CheckoutController } from './checkout.controller';
import { ConfirmService } from './confirm.service';
import { OrderPaymentsController } from './order-payments.controller';
import { PaymentAttempts } from './payment-attempts.service';
import { PaymentReconciler } from './reconcile/payment-reconciler.service';
import { ReconcileRepository } from './reconcile/reconcile.repository';
import { RefundPayments } from './refund-payments.service';
import { SettlementService } from './settlement.service';
import { CheckoutStepRunner } from './steps/checkout-step-runner';
import { GatewayCalls } from './steps/gateway-calls';
import { AdminPaymentsController } from './stuck/admin-payments.controller';
import { StuckPaymentsRepository } from './stuck/stuck-payments.repository';
import { StuckPaymentsService } from './stuck/stuck-payments.service';
import { PgWebhookController } from './webhook/pg-webhook.controller';
import { PgWebhookService } from './webhook/pg-webhook.service';
import { WebhookInboxRepository } from './webhook/webhook-inbox.repository';
import { WebhookSignatureGuard } from './webhook/webhook-signature.guard';

/**
 * Every way a payment outcome reaches a reservation lands here, in SettlementService: the gateway's answer
 * to confirm, the PG's signed webhook, and the reconciler that finishes what a dead process left. Also the
 * money side of refunds (RefundPayments) and the list of payments an operator must look at.
 */
@Module({
  imports: [ReservationModule, PaymentModule],
  controllers: [CheckoutController, OrderPaymentsController, PgWebhookController, AdminPaymentsController],
  providers: [
    ConfirmService,
    PaymentAttempts,
    SettlementService,
    CheckoutStepRunner,
    GatewayCalls,
    RefundPayments,
    IdempotencyService,
    PgWebhookService,
    WebhookInboxRepository,
    WebhookSignatureGuard,
    PaymentReconciler,
    ReconcileRepository,
    StuckPaymentsService,
    StuckPaymentsRepository,
  ],
  exports: [RefundPayments],
})
export class CheckoutModule {}
