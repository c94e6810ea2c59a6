import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { RequireRole, CurrentUser } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { AdminRefundService } from './admin-refund.service';
import { AdminRefundAuditQuery, AdminRefundDto, parseOverrideRequest } from './dto/admin-refund.dto';

/** The admin refund override and its audit trail. */
@ApiTags('admin refunds')
@ApiBearerAuth()
@Controller('api/reservations/v7')
export class AdminRefundController {
  constructor(private readonly admin: AdminRefundService) {}

  /**
   * No role metadata on purpose: the global guard only authenticates (anonymous → 401, no row), and the
   * service records a DENIED row before answering a non-admin 403. For the same reason the id and body
   * arrive raw and are validated after the role check.
   */
  @Post('admin/:id/refund')
  @HttpCode(200)
  @ApiBody({ type: AdminRefundDto, required: false })
  async refund(@CurrentUser() caller: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.admin.override(caller, await parseOverrideRequest(id, body));
  }

  @Get('audit/admin-refunds')
  @RequireRole('ADMIN')
  list(@Query() query: AdminRefundAuditQuery) {
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
