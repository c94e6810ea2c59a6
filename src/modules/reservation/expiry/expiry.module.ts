import { Module } from '@nestjs/common';
import { OutboxModule } from '../../../infra/outbox/outbox.module';
import { Clock, CLOCK } from '../../../common/clock';
import { REDIS_CLIENT, RedisClient } from '../../../infra/redis/redis-client';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { ReservationRepository } from '../reservation.repository';
import { EXPIRY_QUEUE, ExpiryQueue } from './expiry-queue';
import { ExpiryMetrics } from './expiry-metrics';
import { ExpirySeedRepository } from './expiry-seed.repository';
import { ExpirySweeper } from './expiry-sweeper';
import { HoldExpiryService } from './hold-expiry.service';
import { InProcessExpiryQueue } from './in-process-expiry-queue';
import { RedisExpiryQueue } from './redis-expiry-queue';

/**
 * Hold expiry: the queue that fires on deadlines (a Redis sorted set shared by all instances when
 * REDIS_URL is set, else an in-process timer queue), the service that applies them, the sweeper
 * safety net, and the expiry metrics.
 */
@Module({
  imports: [OutboxModule],
  providers: [
    ReservationRepository,
    ExpirySeedRepository,
    HoldExpiryService,
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
  exports: [EXPIRY_QUEUE, HoldExpiryService, ReservationRepository, ExpirySweeper],
})
export class ExpiryModule {}
