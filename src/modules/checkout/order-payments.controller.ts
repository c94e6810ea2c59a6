import { Body, Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { IdempotencyService } from '../../infra/idempotency/idempotency.service';
import { IdempotentPost } from '../../infra/idempotency/idempotent-post.decorator';
import { OrderQueryService } from '../reservation/orders/order-query.service';
import { ConfirmService } from './confirm.service';
import { ConfirmDto } from './dto/confirm.dto';
import { PaymentAttempts } from './payment-attempts.service';

/** An order's one payment: confirm (one attempt for the order's total) and the order's ledger. */
@ApiTags('orders')
@ApiBearerAuth()
@Controller('api/orders')
export class OrderPaymentsController {
  constructor(
    private readonly confirmation: ConfirmService,
    private readonly orders: OrderQueryService,
    private readonly attempts: PaymentAttempts,
    private readonly idempotency: IdempotencyService,
  ) {}

  /** The v7 confirm's rules, for the whole order: SUCCESS moves every item CONFIRMED in one transaction. */
  @IdempotentPost(':id/confirm', 200)
  confirm(
    @CurrentUser() caller: Principal,
    @Param('id', PositiveIntPipe) id: number,
    @Body() body: ConfirmDto,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.idempotency.handle(
      {
        userId: caller.userId,
        scope: 'orders.confirm',
        key,
        request: { id, paymentMethod: body.paymentMethod, mockOutcome: body.mockOutcome },
        status: 200,
      },
      async () => {
        await this.confirmation.confirmOrder(caller, id, body);
        return this.orders.get(caller, id);
      },
      (status) => res.status(status),
    );
  }

  /** The order's ledger rows (its attempts and its items' refunds), oldest first; owner only. */
  @Get(':id/payments')
  async payments(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    await this.orders.get(caller, id);
    return this.attempts.listForOrder(id);
  }
}
