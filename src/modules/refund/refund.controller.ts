import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { CurrentUser, HandlerRecordsRefusal, RequireRole } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { AdminRefundService } from './admin-refund.service';
import { AdminRefundAuditQuery, AdminRefundDto, parseOverrideRequest } from './dto/admin-refund.dto';
import { BulkCancelDto } from './dto/bulk-cancel.dto';
import { RefundService } from './refund.service';

/** Cancel and refund of a ticket (one rule set: the cutoff), the admin override and its audit trail. */
@ApiTags('reservations')
@ApiBearerAuth()
@Controller('api/reservations/v7')
export class RefundController {
  constructor(
    private readonly refunds: RefundService,
    private readonly admin: AdminRefundService,
  ) {}

  @Post('cancel/bulk')
  @HttpCode(200)
  async cancelMany(@CurrentUser() caller: Principal, @Body() body: BulkCancelDto) {
    return { results: await this.refunds.cancelMany(caller, body.reservationIds) };
  }

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

  /**
   * ADMIN, but the handler answers a non-admin: the global guard authenticates (anonymous → 401, no row)
   * and rate-limits refused callers (429, no row), and the service records a DENIED row before answering
   * a non-admin 403. For the same reason the id and body arrive raw and are validated after the role check.
   */
  @Post('admin/:id/refund')
  @RequireRole('ADMIN')
  @HandlerRecordsRefusal()
  @HttpCode(200)
  @ApiTags('admin refunds')
  @ApiBody({ type: AdminRefundDto, required: false })
  async override(@CurrentUser() caller: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.admin.override(caller, await parseOverrideRequest(id, body));
  }

  @Get('audit/admin-refunds')
  @ApiTags('admin refunds')
  @RequireRole('ADMIN')
  auditLog(@Query() query: AdminRefundAuditQuery) {
    return this.admin.list({
      reservationId: query.reservationId,
      actorUserId: query.actorUserId,
      result: query.result,
      fromAt: query.fromAt === undefined ? undefined : new Date(query.fromAt),
      toAt: query.toAt === undefined ? undefined : new Date(query.toAt),
      limit: query.limit,
    });
  }
}
