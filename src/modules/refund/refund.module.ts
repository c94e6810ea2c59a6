import { Module } from '@nestjs/common';
import { CheckoutModule } from '../checkout/checkout.module';
import { ReservationModule } from '../reservation/reservation.module';
import { AdminRefundService } from './admin-refund.service';
import { AuditLogRepository } from './audit-log.repository';
import { OrderCancelController, OrderCancelService } from './order-cancel.controller';
import { RefundController } from './refund.controller';
import { RefundService } from './refund.service';

/** Refund policy on top of checkout's money steps: user refund and cancel, the admin override, its audit. */
@Module({
  imports: [CheckoutModule, ReservationModule],
  controllers: [RefundController, OrderCancelController],
  providers: [RefundService, AdminRefundService, AuditLogRepository, OrderCancelService],
  exports: [AdminRefundService],
})
export class RefundModule {}
