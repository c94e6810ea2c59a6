import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { CurrentUser, HandlerRecordsRefusal, RequireRole } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { AdminOrderRefundDto, OrderRefundDto, parseOrderOverrideRequest } from './dto/order-refund.dto';
import { OrderRefundService } from './order-refund.service';

/** Refunds of an order, item by item: the fan's (before the cutoff) and the admin override (audited per item). */
@ApiTags('orders')
@ApiBearerAuth()
@Controller('api')
export class OrderRefundController {
  constructor(private readonly refunds: OrderRefundService) {}

  /** The named items (each CONFIRMED), or every CONFIRMED item; each refunded exactly its own amount. */
  @Post('orders/:id/refund')
  @HttpCode(200)
  refund(
    @CurrentUser() caller: Principal,
    @Param('id', PositiveIntPipe) id: number,
    @Body() body: OrderRefundDto,
  ) {
    return this.refunds.refundByUser(caller, id, body.reservationIds);
  }

  /**
   * ADMIN, but the handler answers a non-admin (403 and a DENIED row per item), so the id and body arrive
   * raw and are validated after the role check, as on the v7 override.
   */
  @Post('admin/orders/:id/refund')
  @RequireRole('ADMIN')
  @HandlerRecordsRefusal()
  @HttpCode(200)
  @ApiTags('admin refunds')
  @ApiBody({ type: AdminOrderRefundDto })
  async override(@CurrentUser() caller: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.refunds.overrideByAdmin(caller, await parseOrderOverrideRequest(id, body));
  }
}
