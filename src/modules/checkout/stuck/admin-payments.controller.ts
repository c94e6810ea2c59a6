import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';
import { AdminConsole } from '../../../common/auth/auth.decorators';
import { STUCK_LIST_MAX, StuckPaymentsService } from './stuck-payments.service';

export class StuckPaymentsQuery {
  @ApiPropertyOptional({ description: `default 100; values above ${STUCK_LIST_MAX} are clamped` })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;
}

@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/payments')
export class AdminPaymentsController {
  constructor(private readonly stuck: StuckPaymentsService) {}

  /** Payments stuck after their hold ended (PENDING) or captured without a ticket, oldest first. */
  @Get('pending')
  pending(@Query() query: StuckPaymentsQuery) {
    return this.stuck.list(query.limit);
  }
}
