import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { notFound } from '../../common/errors/domain-error';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { Public } from '../../common/auth/auth.decorators';
import { CatalogService } from '../catalog/catalog.service';
import { SseHub } from './sse-hub';

/** Public SEAT_STATUS stream of one option (seat status is public, like the seat map). */
@ApiTags('realtime')
@Controller('api/concerts')
export class SeatEventsController {
  constructor(
    private readonly hub: SseHub,
    private readonly catalog: CatalogService,
  ) {}

  @Public()
  @Get('options/:optionId/seat-events')
  @ApiOperation({ summary: "Stream an option's SEAT_STATUS events (text/event-stream)" })
  async seatEvents(
    @Param('optionId', PositiveIntPipe) optionId: number,
    @Res() res: FastifyReply,
  ): Promise<void> {
    if (!(await this.catalog.optionExists(optionId))) throw notFound('Option');
    this.hub.openForOption(res, optionId);
  }
}
