import { Module } from '@nestjs/common';
import { IdempotencyService } from '../../infra/idempotency/idempotency.service';
import { PaymentModule } from '../payment/payment.module';
import { ExpiryModule } from './expiry/expiry.module';
import { HoldService } from './hold.service';
import { ReservationConfirmService } from './reservation-confirm.service';
import { ReservationLifecycleService } from './reservation-lifecycle.service';
import { ReservationQueryService } from './reservation-query.service';
import { ReservationSettlementService } from './reservation-settlement.service';
import { ReservationViewRepository } from './reservation-view.repository';
import { ReservationsController } from './reservations.controller';

@Module({
  imports: [PaymentModule, ExpiryModule],
  controllers: [ReservationsController],
  providers: [
    HoldService,
    ReservationLifecycleService,
    ReservationConfirmService,
    ReservationSettlementService,
    ReservationQueryService,
    ReservationViewRepository,
    IdempotencyService,
  ],
  exports: [ReservationLifecycleService, ReservationSettlementService],
})
export class ReservationModule {}
