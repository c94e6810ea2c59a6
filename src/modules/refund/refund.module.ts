import { Module } from '@nestjs/common';
import { PaymentModule } from '../payment/payment.module';
import { ReconcileModule } from '../payment/reconcile/reconcile.module';
import { ReservationModule } from '../reservation/reservation.module';
import { AdminRefundController } from './admin-refund.controller';
import { AdminRefundService } from './admin-refund.service';
import { AuditLogRepository } from './audit-log.repository';
import { RefundService } from './refund.service';
import { RefundsController } from './refunds.controller';

/** User refund/cancel of paid tickets, the admin override and its audit trail. */
@Module({
  imports: [ReservationModule, PaymentModule, ReconcileModule],
  controllers: [RefundsController, AdminRefundController],
  providers: [RefundService, AdminRefundService, AuditLogRepository],
})
export class RefundModule {}
