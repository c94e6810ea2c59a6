import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminConsole } from '../../common/auth/auth.decorators';
import { OptionalQueryId } from '../../common/ids';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { LedgerRepository } from '../payment/ledger/ledger.repository';
import { AdminRefundService } from '../refund/admin-refund.service';
import { MyReservationsQuery } from '../reservation/dto/reservation.dto';
import { ReservationQueryService } from '../reservation/reservation-query.service';

class AdminReservationsQuery extends MyReservationsQuery {
  @OptionalQueryId()
  userId?: number;
}

/** The admin console's reservation search and case file (any fan's reservation, with its money and audit). */
@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/reservations')
export class AdminReservationsController {
  constructor(
    private readonly reservations: ReservationQueryService,
    private readonly ledger: LedgerRepository,
    private readonly refunds: AdminRefundService,
  ) {}

  /** Newest first, in the reservation shape plus `username` (limit default 100, max 200). */
  @Get()
  list(@Query() query: AdminReservationsQuery) {
    return this.reservations.listAll({
      userId: query.userId,
      statuses: query.status,
      optionId: query.optionId,
      concertId: query.concertId,
      limit: query.limit,
    });
  }

  /** One reservation with its ledger rows (oldest first) and its admin refund audit rows (newest first). */
  @Get(':id')
  async caseFile(@Param('id', PositiveIntPipe) id: number) {
    const reservation = await this.reservations.getAny(id);
    const [payments, adminRefunds] = await Promise.all([
      this.ledger.listForItem(reservation.orderId, id),
      this.refunds.list({ reservationId: id, limit: 200 }),
    ]);
    return { reservation, payments, adminRefunds };
  }
}
