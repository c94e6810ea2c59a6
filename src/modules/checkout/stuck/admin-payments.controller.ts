import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminConsole } from '../../../common/auth/auth.decorators';
import { LimitQuery } from '../../../common/ids';
import { StuckPaymentsService } from './stuck-payments.service';

@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/payments')
export class AdminPaymentsController {
  constructor(private readonly stuck: StuckPaymentsService) {}

  /** Payments stuck after their hold ended (PENDING) or captured without a ticket, oldest first. */
  @Get('pending')
  pending(@Query() query: LimitQuery) {
    return this.stuck.list(query.limit);
  }
}
