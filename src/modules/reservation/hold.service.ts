import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError, notFound } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { isUniqueViolation } from '../../database/pg-errors';
import { Metrics } from '../../infra/metrics/metrics.service';
import type { Principal } from '../auth/principal';
import { EXPIRY_QUEUE, ExpiryQueue } from './expiry/expiry-queue';
import { ReservationRepository } from './reservation.repository';
import { ReservationViewRepository } from './reservation-view.repository';

/** Seat holds: exactly one winner per seat, by a conditional update backed by the partial unique index. */
@Injectable()
export class HoldService {
  constructor(
    private readonly reservations: ReservationRepository,
    private readonly views: ReservationViewRepository,
    private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EXPIRY_QUEUE) private readonly expiryQueue: ExpiryQueue,
    private readonly metrics: Metrics,
  ) {}

  /** Counts every attempt by result: `success` or the refusal's error code (SEAT_NOT_AVAILABLE, ...). */
  async hold(caller: Principal, seatId: number) {
    try {
      const view = await this.holdSeat(caller, seatId);
      this.metrics.holds.inc({ result: 'success' });
      return view;
    } catch (err) {
      if (err instanceof DomainError) this.metrics.holds.inc({ result: err.code });
      throw err;
    }
  }

  private async holdSeat(caller: Principal, seatId: number) {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.config.holdTtlSeconds * 1000);
    const cap = this.config.maxActiveHoldsPerUser;
    let row;
    try {
      row = await this.reservations.hold(caller.userId, seatId, now, expiresAt, cap);
    } catch (err) {
      if (isUniqueViolation(err)) throw seatTaken();
      throw err;
    }
    if (!row) {
      const refusal = await this.reservations.holdRefusal(caller.userId, seatId, cap);
      if (refusal === 'SEAT_NOT_FOUND') throw notFound('Seat');
      if (refusal === 'HOLD_LIMIT_REACHED') {
        throw new DomainError('HOLD_LIMIT_REACHED', `At most ${cap} active holds per concert option`);
      }
      throw seatTaken();
    }
    await this.expiryQueue.add(row.id, row.holdExpiresAt);
    return this.views.ofNewHold(row);
  }
}

const seatTaken = () => new DomainError('SEAT_NOT_AVAILABLE', 'The seat is not available');
