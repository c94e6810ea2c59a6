import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { CurrentUser } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { RefundService } from './refund.service';

/** Cancel and refund share one rule set (the cutoff), so both routes live here. */
@ApiTags('reservations')
@ApiBearerAuth()
@Controller('api/reservations/v7')
export class RefundsController {
  constructor(private readonly refunds: RefundService) {}

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    return this.refunds.cancel(caller, id);
  }

  @Post(':id/refund')
  @HttpCode(200)
  refund(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    return this.refunds.refundByUser(caller, id);
  }
}
