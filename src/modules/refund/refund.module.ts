import { Module } from '@nestjs/common';
import { CheckoutModule } from '../checkout/checkout.module';
import { ReservationModule } from '../reservation/reservation.module';
import { AdminRefundService } from './admin-refund.service';
import { AuditLogRepository } from './audit-log.repository';
import { OrderRefundController } from './order-refund.controller';
import { OrderRefundService } from './order-refund.service';
import { OrderCancelController, OrderCancelService } from './order-cancel.controller';
import { RefundController } from './refund.controller';
import { RefundService } from './refund.service';

/**
 * Refund policy on top of checkout's money steps: user refund and cancel, per reservation and per order item,
 * the admin override (per item and per order), its audit. OrderRefundService.refundAsAdmin is the show
 * cancellation's way to refund an order.
 */
@Module({
  imports: [CheckoutModule, ReservationModule],
  controllers: [RefundController, OrderRefundController, OrderCancelController],
  providers: [RefundService, AdminRefundService, OrderRefundService, OrderCancelService, AuditLogRepository],
  exports: [AdminRefundService, OrderRefundService],
})
export class RefundModule {}
