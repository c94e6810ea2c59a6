import { Module } from '@nestjs/common';
import { REDIS_CLIENT, RedisClient } from '../../infra/redis/redis-client';
import { AdmissionRepository } from './admission.repository';
import { AdmissionService } from './admission.service';
import { AdminSalesPolicyController, SalesPolicyController } from './sales-policy/sales-policy.controller';
import { SalesPolicyRepository } from './sales-policy/sales-policy.repository';
import { SalesPolicyService } from './sales-policy/sales-policy.service';
import { InProcessSeatLockStore } from './seat-locks/in-process-seat-lock-store';
import { RedisSeatLockStore } from './seat-locks/redis-seat-lock-store';
import { SEAT_LOCK_STORE } from './seat-locks/seat-lock-store';
import { SeatLocksController } from './seat-locks/seat-locks.controller';
import { SeatLocksService } from './seat-locks/seat-locks.service';

/**
 * Who may take a seat, and when: the concert's sales policy (presale tier, sale start, per-user limit)
 * and the soft locks fans take while they choose. The reservation module asks it before a hold; the
 * catalog shows its policies and locks. It imports no feature module.
 */
@Module({
  controllers: [SeatLocksController, SalesPolicyController, AdminSalesPolicyController],
  providers: [
    AdmissionRepository,
    AdmissionService,
    SalesPolicyRepository,
    SalesPolicyService,
    SeatLocksService,
    {
      provide: SEAT_LOCK_STORE,
      inject: [REDIS_CLIENT],
      useFactory: (redis: RedisClient) =>
        redis ? new RedisSeatLockStore(redis) : new InProcessSeatLockStore(),
    },
  ],
  exports: [AdmissionService],
})
export class AdmissionModule {}
