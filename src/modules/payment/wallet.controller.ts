import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { CurrentUser } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { LimitQuery } from '../../common/ids';
import { WalletChargeDto } from './dto/wallet.dto';
import { WalletService } from './wallet.service';

@ApiTags('wallet')
@ApiBearerAuth()
@Controller('api/users/:userId/wallet')
export class WalletController {
  constructor(private readonly wallet: WalletService) {}

  @Get()
  balance(@CurrentUser() caller: Principal, @Param('userId', PositiveIntPipe) userId: number) {
    return this.wallet.balance(caller, userId);
  }

  /** 201 with the new CHARGE row; 200 with the original row when the idempotencyKey is replayed. */
  @Post('charges')
  async charge(
    @CurrentUser() caller: Principal,
    @Param('userId', PositiveIntPipe) userId: number,
    @Body() body: WalletChargeDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const { row, created } = await this.wallet.charge(
      caller,
      userId,
      body.amount,
      body.idempotencyKey,
      body.reason,
    );
    res.status(created ? 201 : 200);
    return row;
  }

  @Get('transactions')
  transactions(
    @CurrentUser() caller: Principal,
    @Param('userId', PositiveIntPipe) userId: number,
    @Query() query: LimitQuery,
  ) {
    return this.wallet.transactions(caller, userId, query.limit);
  }
}
