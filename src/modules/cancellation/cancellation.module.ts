import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { Clock, CLOCK } from '../../common/clock';
import { REDIS_CLIENT, RedisClient } from '../../infra/redis/redis-client';
import { AdmissionModule } from '../admission/admission.module';
import { AuthModule } from '../auth/auth.module';
import { CatalogModule } from '../catalog/catalog.module';
import { CheckoutModule } from '../checkout/checkout.module';
import { LedgerModule } from '../payment/ledger/ledger.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { RefundModule } from '../refund/refund.module';
import { ReservationModule } from '../reservation/reservation.module';
import { CancellationEventsController } from './cancellation-events.controller';
import { CancellationWorker } from './cancellation-worker';
import { CancellationController } from './cancellation.controller';
import { CancellationRepository } from './cancellation.repository';
import { CancellationService } from './cancellation.service';
import { InProcessRefundPacer, REFUND_PACER } from './pace/refund-pacer';
import { RedisRefundPacer } from './pace/redis-refund-pacer';
import { OrdersForCancellation } from './orders-for-cancellation';
import { ShowOrders } from './show-orders';

/**
 * Show cancellation: the run and its rows (ours: the record an admin reads), the worker that refunds them
 * under leases at the shared pace, the admin endpoints and the run's SSE stream. Orders and refunds are
 * the orders modules' (ShowOrders adapts their services).
 */
@Module({
  imports: [
    CatalogModule,
    AdmissionModule,
    AuthModule,
    RealtimeModule,
    ReservationModule,
    RefundModule,
    CheckoutModule,
    LedgerModule,
  ],
  controllers: [CancellationController, CancellationEventsController],
  providers: [
    CancellationService,
    CancellationRepository,
    CancellationWorker,
    { provide: ShowOrders, useClass: OrdersForCancellation },
    {
      provide: REFUND_PACER,
      inject: [REDIS_CLIENT, AppConfig, CLOCK],
      useFactory: (redis: RedisClient, config: AppConfig, clock: Clock) =>
        redis
          ? new RedisRefundPacer(redis, config.massRefundPerSecond)
          : new InProcessRefundPacer(config.massRefundPerSecond, () => clock.now().getTime()),
    },
  ],
  exports: [CancellationService],
})
export class CancellationModule {}
