import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminConsole, CurrentUser } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { CancellationService } from './cancellation.service';
import { CancelShowDto, RunOrdersQuery } from './dto/cancellation.dto';

/** Calling off a show and following its mass refund (contract "Show cancellation and mass refunds"). */
@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin')
export class CancellationController {
  constructor(private readonly cancellations: CancellationService) {}

  /** 200 dry-run totals; 202 the new run; 200 the existing run when the show was already cancelled. */
  @Post('concerts/options/:optionId/cancellation')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a show: dry-run totals, or the run that refunds every paid order' })
  async cancel(
    @CurrentUser() caller: Principal,
    @Param('optionId', PositiveIntPipe) optionId: number,
    @Body() body: CancelShowDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const answer = await this.cancellations.cancel(caller, optionId, body.reason, body.dryRun === true);
    void reply.status('dryRun' in answer || !answer.created ? 200 : 202);
    if ('dryRun' in answer) return answer.summary;
    return answer.run;
  }

  @Get('cancellations/:id')
  run(@Param('id', PositiveIntPipe) id: number) {
    return this.cancellations.run(id);
  }

  /** One row per paid order, by order id (limit default 50, max 200). */
  @Get('cancellations/:id/orders')
  orders(@Param('id', PositiveIntPipe) id: number, @Query() query: RunOrdersQuery) {
    return this.cancellations.orderRows(id, query.result, query.limit);
  }

  /** FAILED rows back to PENDING; the run refunds them again. */
  @Post('cancellations/:id/retry')
  @HttpCode(202)
  retry(@Param('id', PositiveIntPipe) id: number) {
    return this.cancellations.retry(id);
  }
}
