import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../common/auth/auth.decorators';
import { hasRole } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { AppConfig } from '../../config/app-config';
import { bearerToken } from '../auth/auth.guard';
import { Authenticator } from '../auth/authenticator';
import { SseHub } from '../realtime/sse-hub';
import { CancellationService } from './cancellation.service';

/**
 * A run's CANCELLATION_PROGRESS as Server-Sent Events: the current totals at once, then each push. Public
 * at the guard because an EventSource cannot set headers: the token may come as ?access_token=, and the
 * console role is checked here.
 */
@ApiTags('admin')
@Controller('api/admin/cancellations')
export class CancellationEventsController {
  constructor(
    private readonly auth: Authenticator,
    private readonly hub: SseHub,
    private readonly cancellations: CancellationService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get(':id/events')
  @ApiBearerAuth()
  @ApiOperation({ summary: "Stream a cancellation run's CANCELLATION_PROGRESS (text/event-stream)" })
  @ApiQuery({ name: 'access_token', required: false })
  async events(
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
    @Param('id', PositiveIntPipe) id: number,
    @Query('access_token') accessToken?: string,
  ): Promise<void> {
    const token = bearerToken(req) ?? (typeof accessToken === 'string' ? accessToken : undefined);
    const principal = await this.auth.principal(token);
    if (!principal)
      throw new DomainError('UNAUTHENTICATED', 'A valid bearer token or access_token is required');
    if (!hasRole(principal, this.config.adminConsoleMinimumRole))
      throw new DomainError('FORBIDDEN', `Role ${this.config.adminConsoleMinimumRole} required`);
    const run = await this.cancellations.run(id); // 404 before the stream opens
    const stream = this.hub.openForRun(res, id);
    const { id: runId, optionId, status, totals } = run;
    stream.sendMessage('CANCELLATION_PROGRESS', { runId, optionId, status, totals });
  }
}
