import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../../common/errors/domain-error';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { IdempotencyService, requestHash } from '../../infra/idempotency/idempotency.service';
import { CurrentUser } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ConfirmDto, HoldDto, MyReservationsQuery } from './dto/reservation.dto';
import { HoldService } from './hold.service';
import { ReservationConfirmService } from './reservation-confirm.service';
import { ReservationLifecycleService } from './reservation-lifecycle.service';
import { ReservationQueryService } from './reservation-query.service';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

@ApiTags('reservations')
@ApiBearerAuth()
@Controller('api/reservations/v7')
export class ReservationsController {
  constructor(
    private readonly holds: HoldService,
    private readonly lifecycle: ReservationLifecycleService,
    private readonly confirmation: ReservationConfirmService,
    private readonly queries: ReservationQueryService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Post('holds')
  hold(@CurrentUser() caller: Principal, @Body() body: HoldDto) {
    return this.holds.hold(caller, body.seatId);
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

  @Get(':id/payments')
  payments(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    return this.queries.payments(caller, id);
  }

  @Post(':id/paying')
  @HttpCode(200)
  paying(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    return this.lifecycle.paying(caller, id);
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'replays the stored response for 24 h',
  })
  async confirm(
    @CurrentUser() caller: Principal,
    @Param('id', PositiveIntPipe) id: number,
    @Body() body: ConfirmDto,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const run = async () => ({ status: 200, body: await this.confirmation.confirm(caller, id, body) });
    if (key === undefined) return (await run()).body;
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'Idempotency-Key must be 1-200 characters of [A-Za-z0-9._:-]',
      );
    }
    const hash = requestHash({ id, paymentMethod: body.paymentMethod, mockOutcome: body.mockOutcome });
    const response = await this.idempotency.run(caller.userId, 'confirm', key, hash, run);
    res.status(response.status);
    return response.body;
  }
}
