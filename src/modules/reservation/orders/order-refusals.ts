import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../../../common/auth/principal';
import { DomainError } from '../../../common/errors/domain-error';
import { AppConfig } from '../../../config/app-config';
import { AdmissionService } from '../../admission/admission.service';
import { OrderRepository, SeatState } from './order.repository';

/**
 * Why an order took nothing, asked after its statement (which decided): the seats' validity first (400),
 * then the sale and the limits as a hold explains them, then the caps in seats, then the seats.
 */
@Injectable()
export class OrderRefusals {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly admission: AdmissionService,
    private readonly config: AppConfig,
  ) {}

  /** Another fan's soft lock on some seats: SEAT_BEING_SELECTED, unless some are taken as well. */
  async lockedByOthers(optionId: number, seatIds: number[], locked: number[]): Promise<DomainError> {
    const states = await this.orders.seatStates(seatIds);
    assertSeatsOfOption(seatIds, states, optionId);
    const taken = states.filter((s) => s.status !== 'AVAILABLE').map((s) => s.id);
    if (taken.length > 0) return seatsNotAvailable([...new Set([...taken, ...locked])].sort((a, b) => a - b));
    return new DomainError('SEAT_BEING_SELECTED', 'Another fan is selecting some of these seats', {
      unavailableSeatIds: [...locked].sort((a, b) => a - b),
    });
  }

  async explain(caller: Principal, optionId: number, seatIds: number[], ip?: string): Promise<DomainError> {
    const states = await this.orders.seatStates(seatIds);
    assertSeatsOfOption(seatIds, states, optionId);
    const ruled = await this.admission.orderRefusal(caller.userId, seatIds[0], seatIds.length);
    if (ruled) return ruled;
    const cap = this.config.maxActiveHoldsPerUser;
    const live = cap > 0 ? await this.orders.liveSeats(this.dataSource, caller.userId, optionId) : 0;
    if (cap > 0 && live + seatIds.length > cap) {
      return new DomainError('HOLD_LIMIT_REACHED', `At most ${cap} active seats per concert option`);
    }
    const perIp = this.config.maxActiveHoldsPerIp;
    if (ip && perIp > 0 && (await this.orders.liveSeatsFrom(ip)) + seatIds.length > perIp) {
      return new DomainError('HOLD_LIMIT_REACHED', `At most ${perIp} active holds from one network address`);
    }
    return seatsNotAvailable(states.filter((s) => s.status !== 'AVAILABLE').map((s) => s.id));
  }
}

/** 400 for a seat id that is unknown or of another option (before any other refusal). */
function assertSeatsOfOption(seatIds: number[], states: SeatState[], optionId: number) {
  const known = new Set(states.filter((s) => s.optionId === optionId).map((s) => s.id));
  const wrong = seatIds.filter((id) => !known.has(id));
  if (wrong.length > 0) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `seatIds: not seats of option ${optionId}: ${wrong.join(', ')}`,
      {
        seatIds: wrong,
      },
    );
  }
}

const seatsNotAvailable = (unavailableSeatIds: number[]) =>
  new DomainError('SEAT_NOT_AVAILABLE', 'Some of these seats are not available', { unavailableSeatIds });
