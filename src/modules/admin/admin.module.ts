import { Module } from '@nestjs/common';
import { PaymentModule } from '../payment/payment.module';
import { RefundModule } from '../refund/refund.module';
import { ReservationModule } from '../reservation/reservation.module';
import { AdminReservationsController } from './admin-reservations.controller';

/**
 * The admin console's reads that span modules (a reservation with its ledger and audit). The console's
 * page is public/admin/ (served with the demo page); its other calls are each module's /api/admin routes.
 */
@Module({
  imports: [ReservationModule, PaymentModule, RefundModule],
  controllers: [AdminReservationsController],
})
export class AdminModule {}
