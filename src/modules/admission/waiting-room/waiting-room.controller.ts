import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminConsole, CurrentUser, Public } from '../../../common/auth/auth.decorators';
import type { Principal } from '../../../common/auth/principal';
import { PositiveIntPipe } from '../../../common/positive-int.pipe';
import { ConcertIdBody, ConcertIdQuery, WaitingRoomDto } from '../dto/waiting-room.dto';
import { WaitingRoomService } from './waiting-room.service';

/** A fan's place in a concert's waiting room; the fan is always the token's, never a body field. */
@ApiTags('waiting room')
@ApiBearerAuth()
@Controller('api/v1/waiting-queue')
export class WaitingQueueController {
  constructor(private readonly rooms: WaitingRoomService) {}

  /** Takes a place at the back, or answers the current one (a repeated join never moves anyone back). */
  @Post('join')
  @HttpCode(200)
  join(@CurrentUser() caller: Principal, @Body() body: ConcertIdBody) {
    return this.rooms.join(caller.userId, body.concertId);
  }

  @Get('status')
  status(@CurrentUser() caller: Principal, @Query() query: ConcertIdQuery) {
    return this.rooms.status(caller.userId, query.concertId);
  }

  /** Leaves the queue or gives the admission back at once; leaving when not there is a no-op. */
  @Delete()
  @HttpCode(204)
  async leave(@CurrentUser() caller: Principal, @Query() query: ConcertIdQuery): Promise<void> {
    await this.rooms.leave(caller.userId, query.concertId);
  }
}

@ApiTags('waiting room')
@Controller('api/concerts')
export class WaitingRoomController {
  constructor(private readonly rooms: WaitingRoomService) {}

  /** The room's configuration and counts; `enabled:false` for a room never configured. */
  @Public()
  @Get(':id/waiting-room')
  view(@Param('id', PositiveIntPipe) concertId: number) {
    return this.rooms.view(concertId);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/concerts')
export class AdminWaitingRoomController {
  constructor(private readonly rooms: WaitingRoomService) {}

  /** The live monitor: waiting, active and admitted after each tick of the last ten minutes. */
  @Get(':id/waiting-room/history')
  history(@Param('id', PositiveIntPipe) concertId: number) {
    return this.rooms.history(concertId);
  }

  /** Creates or replaces the room; it applies from the next request on every instance. */
  @Put(':id/waiting-room')
  configure(
    @CurrentUser() caller: Principal,
    @Param('id', PositiveIntPipe) concertId: number,
    @Body() body: WaitingRoomDto,
  ) {
    return this.rooms.configure(concertId, body, caller);
  }
}
