import { Controller, HttpCode, Injectable, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { OrderTransitions } from '../reservation/orders/order-transitions.service';
import { OrderRefundService } from './order-refund.service';

/**
 * Cancel of an order: HOLD/PAYING → CANCELLED (the reservation module's OrderTransitions), a paid order
 * (CONFIRMED, PARTIALLY_REFUNDED) → each CONFIRMED item refunded, under the cutoff, as the v7 cancel does
 * for one ticket. Lives here because a paid order's cancel is a refund.
 */
@Injectable()
export class OrderCancelService {
  constructor(
    private readonly orders: OrderTransitions,
    private readonly refunds: OrderRefundService,
  ) {}

  async cancel(caller: Principal, orderId: number) {
    const cancelled = await this.orders.cancelUnpaid(caller, orderId);
    if (cancelled) return cancelled;
    // Every CONFIRMED item, under the cutoff (all or nothing on it), in one run of the step runner.
    return this.refunds.refundByUser(caller, orderId);
  }
}

@ApiTags('orders')
@ApiBearerAuth()
@Controller('api/orders')
export class OrderCancelController {
  constructor(private readonly cancellation: OrderCancelService) {}

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    return this.cancellation.cancel(caller, id);
  }
}
