import { Body, Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { IdempotencyService } from '../../infra/idempotency/idempotency.service';
import { IdempotentPost } from '../../infra/idempotency/idempotent-post.decorator';
import { ReservationTransitions } from '../reservation/reservation-transitions.service';
import { assertOwner } from '../reservation/reservation-access';
import { ConfirmService } from './confirm.service';
import { ConfirmDto } from './dto/confirm.dto';
import { PaymentAttempts } from './payment-attempts.service';

/** The payment calls of the v7 reservation API: confirm (one payment attempt) and the reservation's ledger. */
@ApiTags('reservations')
@ApiBearerAuth()
@Controller('api/reservations/v7')
export class CheckoutController {
  constructor(
    private readonly confirmation: ConfirmService,
    private readonly transitions: ReservationTransitions,
    private readonly attempts: PaymentAttempts,
    private readonly idempotency: IdempotencyService,
  ) {}

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
        scope: 'confirm',
        key,
        request: { id, paymentMethod: body.paymentMethod, mockOutcome: body.mockOutcome },
        status: 200,
      },
      () => this.confirmation.confirm(caller, id, body),
      (status) => res.status(status),
    );
  }

  /** The reservation's ledger rows, oldest first: its order's attempts and its own refunds. */
  @Get(':id/payments')
  async payments(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    const item = assertOwner(await this.transitions.view(id), caller);
    return this.attempts.listForItem(item.orderId, id);
  }
}
