import { Module } from '@nestjs/common';
import { REDIS_CLIENT, RedisClient } from '../../infra/redis/redis-client';
import { AdmissionRepository } from './admission.repository';
import { AdmissionService } from './admission.service';
import { AdminSalesPolicyController, SalesPolicyController } from './sales-policy/sales-policy.controller';
import { SalesPolicyRepository } from './sales-policy/sales-policy.repository';
import { SalesPolicyService } from './sales-policy/sales-policy.service';
import { InProcessSeatLockStore } from './seat-locks/in-process-seat-lock-store';
import { RedisSeatLockStore } from './seat-locks/redis-seat-lock-store';
import { SEAT_LOCK_STORE, SeatLockStore } from './seat-locks/seat-lock-store';
import { SeatLocksController } from './seat-locks/seat-locks.controller';
import { SeatLocksService } from './seat-locks/seat-locks.service';
import { AdmissionTicker } from './waiting-room/admission-ticker';
import { HOLD_GATE, InProcessHoldGate, RedisHoldGate } from './waiting-room/hold-gate';
import { InProcessRoomStore } from './waiting-room/in-process-room-store';
import { RedisRoomStore } from './waiting-room/redis-room-store';
import { RoomConfigRepository } from './waiting-room/room-config.repository';
import { RoomDirectory } from './waiting-room/room-directory';
import { RoomSignals } from './waiting-room/room-signals';
import { ROOM_STORE, RoomStore } from './waiting-room/room-store';
import {
  AdminWaitingRoomController,
  WaitingQueueController,
  WaitingRoomController,
} from './waiting-room/waiting-room.controller';
import { WaitingRoomService } from './waiting-room/waiting-room.service';

/**
 * Who may take a seat, and when: the concert's waiting room (who is admitted now), its sales policy
 * (presale tier, sale start, per-user limit) and the soft locks fans take while they choose. The
 * reservation module asks it before a hold; the catalog shows its policies and locks; the realtime module
 * pushes its queue statuses. It imports no feature module. With REDIS_URL its state is shared in Redis,
 * without it lives in this process.
 */
@Module({
  controllers: [
    SeatLocksController,
    SalesPolicyController,
    AdminSalesPolicyController,
    WaitingQueueController,
    WaitingRoomController,
    AdminWaitingRoomController,
  ],
  providers: [
    AdmissionRepository,
    AdmissionService,
    SalesPolicyRepository,
    SalesPolicyService,
    SeatLocksService,
    RoomConfigRepository,
    RoomDirectory,
    RoomSignals,
    WaitingRoomService,
    AdmissionTicker,
    {
      provide: SEAT_LOCK_STORE,
      inject: [REDIS_CLIENT],
      useFactory: (redis: RedisClient) =>
        redis ? new RedisSeatLockStore(redis) : new InProcessSeatLockStore(),
    },
    {
      provide: ROOM_STORE,
      inject: [REDIS_CLIENT],
      useFactory: (redis: RedisClient) => (redis ? new RedisRoomStore(redis) : new InProcessRoomStore()),
    },
    {
      provide: HOLD_GATE,
      inject: [REDIS_CLIENT, SEAT_LOCK_STORE, ROOM_STORE],
      useFactory: (redis: RedisClient, locks: SeatLockStore, rooms: RoomStore) =>
        redis ? new RedisHoldGate(redis, locks) : new InProcessHoldGate(locks, rooms as InProcessRoomStore),
    },
  ],
  exports: [AdmissionService, WaitingRoomService, SalesPolicyService],
})
export class AdmissionModule {}
