import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../../common/auth/auth.decorators';
import { PgWebhookAnswer, PgWebhookEventDto } from './pg-webhook.dto';
import { PgWebhookService } from './pg-webhook.service';
import { WebhookSignatureGuard } from './webhook-signature.guard';

@ApiTags('payments')
@Controller('api/payments/webhooks')
export class PgWebhookController {
  constructor(private readonly webhooks: PgWebhookService) {}

  /** 202 for a newly accepted event, 200 for a repeat of one already accepted. */
  @Public()
  @Post('pg-ready')
  @HttpCode(202)
  @UseGuards(WebhookSignatureGuard)
  @ApiHeader({
    name: 'X-PG-Signature',
    required: true,
    description: 't=<unix s>,v1=<hex HMAC-SHA256 of "t.rawBody">',
  })
  async pgReady(
    @Body() event: PgWebhookEventDto,
    @Req() req: FastifyRequest & { rawBody?: Buffer },
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<PgWebhookAnswer> {
    const answer = await this.webhooks.handle(event, req.rawBody!);
    if (answer.duplicate) res.status(200);
    return answer;
  }
}
