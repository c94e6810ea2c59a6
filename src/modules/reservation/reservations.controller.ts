import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { HoldDto, MyReservationsQuery } from './dto/reservation.dto';
import { HoldService } from './hold.service';
import { ReservationQueryService } from './reservation-query.service';
import { ReservationTransitions } from './reservation-transitions.service';

@ApiTags('reservations')
@ApiBearerAuth()
@Controller('api/reservations/v7')
export class ReservationsController {
  constructor(
    private readonly holds: HoldService,
    private readonly transitions: ReservationTransitions,
    private readonly queries: ReservationQueryService,
  ) {}

  @Post('holds')
  hold(@CurrentUser() caller: Principal, @Body() body: HoldDto, @Req() req: FastifyRequest) {
    return this.holds.hold(caller, body.seatId, req.ip);
  }

  @Get('me')
  mine(@CurrentUser() caller: Principal, @Query() query: MyReservationsQuery) {
    return this.queries.listMine(caller, {
      statuses: query.status,
      optionId: query.optionId,
      concertId: query.concertId,
      limit: query.limit,
    });
  }

  @Get(':id')
  get(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    return this.queries.get(caller, id);
  }

  @Post(':id/paying')
  @HttpCode(200)
  paying(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    return this.transitions.paying(caller, id);
  }
}
