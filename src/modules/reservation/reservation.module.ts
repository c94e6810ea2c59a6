import { Module } from '@nestjs/common';
import { Clock, CLOCK } from '../../common/clock';
import { AdmissionModule } from '../admission/admission.module';
import { CatalogModule } from '../catalog/catalog.module';
import { OrderRefusals } from './orders/order-refusals';
import { Metrics } from '../../infra/metrics/metrics.service';
import { REDIS_CLIENT, RedisClient } from '../../infra/redis/redis-client';
import { EXPIRY_QUEUE, ExpiryQueue } from './expiry/expiry-queue';
import { ExpiryMetrics } from './expiry/expiry-metrics';
import { ExpirySeedRepository } from './expiry/expiry-seed.repository';
import { ExpirySweeper } from './expiry/expiry-sweeper';
import { HoldExpiryService } from './expiry/hold-expiry.service';
import { HoldWarningsRepository } from './expiry/hold-warnings.repository';
import { InProcessExpiryQueue } from './expiry/in-process-expiry-queue';
import { RedisExpiryQueue } from './expiry/redis-expiry-queue';
import { HoldService } from './hold.service';
import { OrderLocksRepository } from './order-locks.repository';
import { IdempotencyService } from '../../infra/idempotency/idempotency.service';
import { OrderCreateService } from './orders/order-create.service';
import { OrderQueryService } from './orders/order-query.service';
import { OrderTransitions } from './orders/order-transitions.service';
import { OrderViewRepository } from './orders/order-view.repository';
import { OrderRepository } from './orders/order.repository';
import { AdminOrdersController, OrdersController } from './orders/orders.controller';
import { ReservationQueryService } from './reservation-query.service';
import { ReservationTransitions } from './reservation-transitions.service';
import { ReservationViewRepository } from './reservation-view.repository';
import { ReservationRepository } from './reservation.repository';
import { ReservationsController } from './reservations.controller';

/**
 * Reservations: holds, the state machine, the read model, and hold expiry (the deadline queue, a Redis
 * sorted set shared by all instances with REDIS_URL or an in-process timer queue without; the sweeper
 * safety net; expiry metrics). Others move reservations only through ReservationTransitions.
 */
@Module({
  imports: [AdmissionModule, CatalogModule],
  controllers: [ReservationsController, OrdersController, AdminOrdersController],
  providers: [
    OrderRepository,
    OrderViewRepository,
    OrderCreateService,
    OrderRefusals,
    OrderQueryService,
    OrderTransitions,
    IdempotencyService,
    ReservationRepository,
    OrderLocksRepository,
    ReservationViewRepository,
    ReservationTransitions,
    ReservationQueryService,
    HoldService,
    HoldExpiryService,
    ExpirySeedRepository,
    HoldWarningsRepository,
    ExpirySweeper,
    ExpiryMetrics,
    {
      provide: EXPIRY_QUEUE,
      inject: [REDIS_CLIENT, HoldExpiryService, ExpirySeedRepository, CLOCK, Metrics],
      useFactory: (
        redis: RedisClient,
        expiry: HoldExpiryService,
        seeds: ExpirySeedRepository,
        clock: Clock,
        metrics: Metrics,
      ): ExpiryQueue =>
        redis
          ? new RedisExpiryQueue(redis, expiry, seeds, clock, metrics)
          : new InProcessExpiryQueue(expiry, metrics),
    },
  ],
  exports: [ReservationTransitions, ReservationQueryService, OrderQueryService, OrderTransitions],
})
export class ReservationModule {}
