import { Module } from '@nestjs/common';
import { PaymentModule } from '../payment/payment.module';
import { ReservationModule } from '../reservation/reservation.module';
import { RefundService } from './refund.service';
import { RefundsController } from './refunds.controller';

@Module({
  imports: [ReservationModule, PaymentModule],
  controllers: [RefundsController],
  providers: [RefundService],
})
export class RefundModule {}
