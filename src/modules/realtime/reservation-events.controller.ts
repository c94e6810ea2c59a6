import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../common/errors/domain-error';
import type { PushEvent } from '../../infra/outbox/outbox-events';
import { OutboxRepository } from '../../infra/outbox/outbox.repository';
import { Public } from '../../common/auth/auth.decorators';
import { bearerToken } from '../auth/auth.guard';
import { Authenticator } from '../auth/authenticator';
import { SessionWatch } from '../auth/session/session-watch';
import { SESSION_EXPIRED, SESSION_REVOKED } from './push-wire';
import { SseHub } from './sse-hub';

const REPLAY_PAGE = 1000;
/** Beyond this the client is better served by GET /me than by a replay. */
const REPLAY_MAX = 10_000;

/**
 * The signed-in user's RESERVATION_STATUS as Server-Sent Events. Public at the guard because an
 * EventSource cannot set headers: the token may come as ?access_token=, and is verified here.
 */
@ApiTags('realtime')
@Controller('api/reservations/v7')
export class ReservationEventsController {
  constructor(
    private readonly auth: Authenticator,
    private readonly hub: SseHub,
    private readonly outbox: OutboxRepository,
    private readonly sessions: SessionWatch,
  ) {}

  @Public()
  @Get('events')
  @ApiBearerAuth()
  @ApiOperation({ summary: "Stream the caller's RESERVATION_STATUS events (text/event-stream)" })
  @ApiQuery({ name: 'access_token', required: false })
  @ApiQuery({ name: 'lastEventId', required: false })
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  async events(
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
    @Query('access_token') accessToken?: string,
    @Query('lastEventId') lastEventIdQuery?: string,
    @Headers('last-event-id') lastEventIdHeader?: string,
  ): Promise<void> {
    const token = bearerToken(req) ?? (typeof accessToken === 'string' ? accessToken : undefined);
    const principal = await this.auth.principal(token);
    if (!principal)
      throw new DomainError('UNAUTHENTICATED', 'A valid bearer token or access_token is required');
    const lastEventId = parseLastEventId(lastEventIdHeader ?? lastEventIdQuery);

    const stream = this.hub.openForUser(res, principal.userId);
    if (principal.expiresAtMs) stream.endAt(principal.expiresAtMs, SESSION_EXPIRED);
    stream.onEnd(this.sessions.watch(principal, () => stream.endWith(SESSION_REVOKED)));
    if (lastEventId === undefined) return;
    stream.holdLive();
    let replay: PushEvent[] = [];
    try {
      replay = await this.missedEvents(principal.userId, lastEventId);
    } finally {
      stream.finishReplay(replay);
    }
  }

  private async missedEvents(userId: number, afterId: number): Promise<PushEvent[]> {
    const events: PushEvent[] = [];
    let cursor = afterId;
    while (events.length < REPLAY_MAX) {
      const page = await this.outbox.userEventsAfter(userId, cursor, REPLAY_PAGE);
      events.push(...page);
      if (page.length < REPLAY_PAGE) break;
      cursor = page[page.length - 1].eventId;
    }
    return events;
  }
}

/** Our event ids are non-negative integers; anything else is a client bug worth a 400. */
function parseLastEventId(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new DomainError('VALIDATION_FAILED', 'Last-Event-ID must be a non-negative integer', [
      `got ${JSON.stringify(raw)}`,
    ]);
  }
  return Number(raw);
}
