import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../../common/auth/auth.decorators';
import { DomainError } from '../../../common/errors/domain-error';
import { ConcertIdQuery } from '../../admission/dto/waiting-room.dto';
import { WaitingRoomService } from '../../admission/waiting-room/waiting-room.service';
import { bearerToken } from '../../auth/auth.guard';
import { Authenticator } from '../../auth/authenticator';
import { SessionWatch } from '../../auth/session/session-watch';
import { SESSION_EXPIRED, SESSION_REVOKED } from '../push-wire';
import { SseHub } from '../sse-hub';
import { QueueFollowers } from './queue-followers';

class QueueSubscribeQuery extends ConcertIdQuery {
  @ApiPropertyOptional({ description: 'the bearer token, for an EventSource (which cannot set headers)' })
  @IsOptional()
  @IsString()
  access_token?: string;
}

/**
 * The signed-in fan's QUEUE_STATUS for one concert as Server-Sent Events: the current status first, then
 * one on every rank change (at most one a second) and on admission. Public at the guard because an
 * EventSource cannot set headers: the token may come as ?access_token=, and is verified here.
 */
@ApiTags('waiting room')
@Controller('api/v1/waiting-queue')
export class QueueEventsController {
  constructor(
    private readonly auth: Authenticator,
    private readonly rooms: WaitingRoomService,
    private readonly hub: SseHub,
    private readonly followers: QueueFollowers,
    private readonly sessions: SessionWatch,
  ) {}

  @Public()
  @Get('subscribe')
  @ApiBearerAuth()
  @ApiOperation({ summary: "Stream the caller's QUEUE_STATUS for a concert (text/event-stream)" })
  async subscribe(
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
    @Query() query: QueueSubscribeQuery,
  ): Promise<void> {
    const token =
      bearerToken(req) ?? (typeof query.access_token === 'string' ? query.access_token : undefined);
    const principal = await this.auth.principal(token);
    if (!principal)
      throw new DomainError('UNAUTHENTICATED', 'A valid bearer token or access_token is required');
    const { concertId } = query;
    const status = await this.rooms.status(principal.userId, concertId); // 404 before the stream opens
    const stream = this.hub.openStandalone(res, () =>
      this.followers.removeStream(concertId, principal.userId, stream),
    );
    this.followers.addStream(concertId, principal.userId, stream).last ??= status;
    if (principal.expiresAtMs) stream.endAt(principal.expiresAtMs, SESSION_EXPIRED);
    stream.onEnd(this.sessions.watch(principal, () => stream.endWith(SESSION_REVOKED)));
    stream.sendMessage('QUEUE_STATUS', status);
  }
}
