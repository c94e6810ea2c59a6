import { Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../../common/auth/auth.decorators';
import type { Principal } from '../../../common/auth/principal';
import { PositiveIntPipe } from '../../../common/positive-int.pipe';
import { SeatLocksService } from './seat-locks.service';

/** Soft locks while a fan chooses (the contract's "seat selection"). */
@ApiTags('seat selection')
@ApiBearerAuth()
@Controller('api/reservations/v7')
export class SeatLocksController {
  constructor(private readonly locks: SeatLocksService) {}

  /** Take the seat for SEAT_LOCK_TTL_SECONDS, or refresh the caller's lock (up to SEAT_LOCK_MAX_SECONDS). */
  @Post('locks/seats/:seatId')
  @HttpCode(200)
  acquire(@CurrentUser() caller: Principal, @Param('seatId', PositiveIntPipe) seatId: number) {
    return this.locks.acquire(caller, seatId);
  }

  @Delete('locks/seats/:seatId')
  release(@CurrentUser() caller: Principal, @Param('seatId', PositiveIntPipe) seatId: number) {
    return this.locks.release(caller, seatId);
  }
}
