import { Module } from '@nestjs/common';
import { ReservationRepository } from '../reservation.repository';
import { EXPIRY_QUEUE } from './expiry-queue';
import { ExpirySweeper } from './expiry-sweeper';
import { HoldExpiryService } from './hold-expiry.service';
import { InProcessExpiryQueue } from './in-process-expiry-queue';

/** Hold expiry: the queue that fires on deadlines, the service that applies them, the sweeper safety net. */
@Module({
  providers: [
    ReservationRepository,
    HoldExpiryService,
    ExpirySweeper,
    InProcessExpiryQueue,
    { provide: EXPIRY_QUEUE, useExisting: InProcessExpiryQueue },
  ],
  exports: [EXPIRY_QUEUE, HoldExpiryService, ReservationRepository, ExpirySweeper],
})
export class ExpiryModule {}
