import { Controller, HttpCode, Inject, Injectable, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { OrderQueryService } from '../reservation/orders/order-query.service';
import { OrderTransitions } from '../reservation/orders/order-transitions.service';
import { RefundService } from './refund.service';

/**
 * Cancel of an order: HOLD/PAYING → CANCELLED (the reservation module's OrderTransitions), a paid order
 * (CONFIRMED, PARTIALLY_REFUNDED) → each CONFIRMED item refunded, under the cutoff, as the v7 cancel does
 * for one ticket. Lives here because a paid order's cancel is a refund.
 */
@Injectable()
export class OrderCancelService {
  constructor(
    private readonly orders: OrderTransitions,
    private readonly queries: OrderQueryService,
    private readonly refunds: RefundService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async cancel(caller: Principal, orderId: number) {
    const cancelled = await this.orders.cancelUnpaid(caller, orderId);
    if (cancelled) return cancelled;
    const order = await this.queries.get(caller, orderId);
    // All or nothing on the cutoff: after it, no item is refunded.
    if (order.refundCutoffAt.getTime() <= this.clock.now().getTime()) {
      throw new DomainError('REFUND_CUTOFF_PASSED', 'Refunds closed at the cutoff before the show');
    }
    for (const item of order.items.filter((i) => i.status === 'CONFIRMED')) {
      await this.refunds.refundByUser(caller, item.reservationId);
    }
    return this.queries.get(caller, orderId);
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
