import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminConsole } from '../../common/auth/auth.decorators';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import {
  CreateWebhookEndpointDto,
  DeliveriesQuery,
  MessageIdParam,
  UpdateWebhookEndpointDto,
} from './dto/webhook-endpoint.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookEndpointsService } from './webhook-endpoints.service';

/** The seller's endpoints (contract: Outbound webhooks). Secrets appear only in the create and rotate answers. */
@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Post()
  create(@Body() body: CreateWebhookEndpointDto) {
    return this.endpoints.create(body);
  }

  @Get()
  list() {
    return this.endpoints.list();
  }

  @Patch(':id')
  update(@Param('id', PositiveIntPipe) id: number, @Body() body: UpdateWebhookEndpointDto) {
    return this.endpoints.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id', PositiveIntPipe) id: number): Promise<void> {
    await this.endpoints.delete(id);
  }

  /** A new secret, shown once; the old one keeps signing for WEBHOOK_SECRET_OVERLAP_SECONDS. */
  @Post(':id/secret')
  @HttpCode(200)
  rotate(@Param('id', PositiveIntPipe) id: number) {
    return this.endpoints.rotate(id);
  }

  /** Queues a WEBHOOK_TEST message to this endpoint; follow it in the delivery log. */
  @Post(':id/test')
  @HttpCode(202)
  sendTest(@Param('id', PositiveIntPipe) id: number) {
    return this.endpoints.sendTest(id);
  }

  @Get(':id/deliveries')
  log(@Param('id', PositiveIntPipe) id: number, @Query() query: DeliveriesQuery) {
    return this.deliveries.log(id, query.status, query.limit);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/webhook-messages')
export class WebhookMessagesController {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  /** Sends the message again now, with the same webhook-id, to its endpoint. */
  @Post(':messageId/replay')
  @HttpCode(202)
  replay(@Param() params: MessageIdParam) {
    return this.deliveries.replay(params.messageId);
  }
}
