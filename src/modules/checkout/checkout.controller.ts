import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { IdempotencyService, requestHash } from '../../infra/idempotency/idempotency.service';
import { ReservationTransitions } from '../reservation/reservation-transitions.service';
import { assertOwner } from '../reservation/reservation-access';
import { ConfirmService } from './confirm.service';
import { ConfirmDto } from './dto/confirm.dto';
import { PaymentAttempts } from './payment-attempts.service';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

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

  @Post(':id/confirm')
  @HttpCode(200)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'replays the stored response for 24 h',
  })
  async confirm(
    @CurrentUser() caller: Principal,
    @Param('id', PositiveIntPipe) id: number,
    @Body() body: ConfirmDto,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const run = async () => ({ status: 200, body: await this.confirmation.confirm(caller, id, body) });
    if (key === undefined) return (await run()).body;
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'Idempotency-Key must be 1-200 characters of [A-Za-z0-9._:-]',
      );
    }
    const hash = requestHash({ id, paymentMethod: body.paymentMethod, mockOutcome: body.mockOutcome });
    const response = await this.idempotency.run(caller.userId, 'confirm', key, hash, run);
    res.status(response.status);
    return response.body;
  }

  /** The reservation's ledger rows, oldest first: its order's attempts and its own refunds. */
  @Get(':id/payments')
  async payments(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    const item = assertOwner(await this.transitions.view(id), caller);
    return this.attempts.listForItem(item.orderId, id);
  }
}
