import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminConsole, CurrentUser } from '../../../common/auth/auth.decorators';
import type { Principal } from '../../../common/auth/principal';
import { PositiveIntPipe } from '../../../common/positive-int.pipe';
import { IdempotencyService } from '../../../infra/idempotency/idempotency.service';
import { IdempotentPost } from '../../../infra/idempotency/idempotent-post.decorator';
import { AdminOrdersQuery, CreateOrderDto, MyOrdersQuery } from './dto/order.dto';
import { OrderCreateService } from './order-create.service';
import { OrderQueryService } from './order-query.service';
import { OrderTransitions } from './order-transitions.service';

/** Orders: several seats of one show, held all or nothing, one deadline (contract "Orders"). */
@ApiTags('orders')
@ApiBearerAuth()
@Controller('api/orders')
export class OrdersController {
  constructor(
    private readonly creation: OrderCreateService,
    private readonly queries: OrderQueryService,
    private readonly transitions: OrderTransitions,
    private readonly idempotency: IdempotencyService,
  ) {}

  @IdempotentPost('', 201)
  async create(
    @CurrentUser() caller: Principal,
    @Body() body: CreateOrderDto,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.idempotency.handle(
      {
        userId: caller.userId,
        scope: 'orders.create',
        key,
        request: {
          optionId: body.optionId,
          seatIds: body.seatIds,
          quantity: body.quantity,
          categoryId: body.categoryId,
        },
        status: 201,
      },
      () => this.creation.create(caller, body, req.ip),
      (status) => res.status(status),
    );
  }

  /** The caller's orders, newest first (limit default 50, max 200). */
  @Get('me')
  mine(@CurrentUser() caller: Principal, @Query() query: MyOrdersQuery) {
    return this.queries.listMine(caller, { statuses: query.status, limit: query.limit });
  }

  @Get(':id')
  get(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    return this.queries.get(caller, id);
  }

  /** HOLD → PAYING for the whole order, same deadline; PAYING answers unchanged. */
  @Post(':id/paying')
  @HttpCode(200)
  paying(@CurrentUser() caller: Principal, @Param('id', PositiveIntPipe) id: number) {
    return this.transitions.paying(caller, id);
  }
}

/** The admin console's order search: the order shape plus `username`, newest first (max 200). */
@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/orders')
export class AdminOrdersController {
  constructor(private readonly queries: OrderQueryService) {}

  @Get()
  list(@Query() query: AdminOrdersQuery) {
    return this.queries.listAll({
      userId: query.userId,
      statuses: query.status,
      optionId: query.optionId,
      concertId: query.concertId,
      limit: query.limit,
    });
  }
}
