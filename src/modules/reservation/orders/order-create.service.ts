import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../../../common/auth/principal';
import { Clock, CLOCK } from '../../../common/clock';
import { DomainError } from '../../../common/errors/domain-error';
import { isRowOrRetryableError, isUniqueViolation } from '../../../common/errors/pg-errors';
import { AppConfig } from '../../../config/app-config';
import { inTransaction } from '../../../database/transaction';
import { AdmissionService } from '../../admission/admission.service';
import { EXPIRY_QUEUE, ExpiryQueue } from '../expiry/expiry-queue';
import { CreateOrderDto } from './dto/order.dto';
import { OrderRepository } from './order.repository';
import { OrderView, OrderViewRepository } from './order-view.repository';

/** Thrown inside the order's transaction to roll it back: the per-option cap, re-counted, was passed. */
class OverHoldCap extends Error {}

/**
 * POST /api/orders by seat ids: every seat or none, decided by PostgreSQL (OrderRepository.take, one
 * statement). The rules of a hold apply to the order as a whole: the waiting room and the soft locks
 * (AdmissionService.throughOrderGate), the sales policy, and the limits counted in seats.
 */
@Injectable()
export class OrderCreateService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly views: OrderViewRepository,
    private readonly admission: AdmissionService,
    private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EXPIRY_QUEUE) private readonly expiryQueue: ExpiryQueue,
  ) {}

  /** Exactly one of `seatIds` and `quantity`; `categoryId` only with `quantity`. */
  async create(caller: Principal, body: CreateOrderDto, ip?: string): Promise<OrderView> {
    if ((body.seatIds === undefined) === (body.quantity === undefined)) {
      throw new DomainError('VALIDATION_FAILED', 'Give exactly one of seatIds and quantity');
    }
    if (body.categoryId !== undefined && body.quantity === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'categoryId goes only with quantity');
    }
    if (body.seatIds) return this.bySeatIds(caller, body.optionId, body.seatIds, ip);
    throw new DomainError('VALIDATION_FAILED', 'quantity orders are not available yet');
  }

  async bySeatIds(caller: Principal, optionId: number, seatIds: number[], ip?: string): Promise<OrderView> {
    const max = this.config.maxSeatsPerOrder;
    if (seatIds.length > max) {
      throw new DomainError('VALIDATION_FAILED', `seatIds: at most ${max} seats per order`);
    }
    const gate = await this.admission.throughOrderGate(caller, seatIds, () =>
      this.take(caller, optionId, seatIds, ip),
    );
    if (gate.lockedByOthers.length > 0)
      throw await this.lockedRefusal(optionId, seatIds, gate.lockedByOthers);
    const orderId = gate.result;
    if (orderId === undefined) throw await this.refusal(caller, optionId, seatIds, ip);
    for (const seatId of gate.ownLocks) await this.admission.consumeLock(caller, seatId, optionId);
    const view = (await this.views.findById(orderId))!;
    // One member for the whole order: expiring (and warning) an item does the same to the others.
    await this.expiryQueue.add(view.items[0].reservationId, view.holdExpiresAt);
    return view;
  }

  /**
   * The order's statement, in a transaction of its own when the per-option cap is on: the statement
   * counts the user's live seats in its snapshot, and a concurrent order of the same user (on any
   * instance) may have committed meanwhile. The statement holds the user's purchase-count row until
   * commit, so a count taken after it sees every order of the user on the concert: over the cap, the
   * whole order rolls back.
   */
  private async take(caller: Principal, optionId: number, seatIds: number[], ip?: string) {
    const now = this.clock.now();
    const perOption = this.config.maxActiveHoldsPerUser;
    const request = {
      userId: caller.userId,
      optionId,
      seatIds,
      now,
      expiresAt: new Date(now.getTime() + this.config.holdTtlSeconds * 1000),
      perOption,
      perIp: this.config.maxActiveHoldsPerIp,
      ip: ip ?? null,
    };
    try {
      return await inTransaction(this.dataSource, async (em) => {
        const orderId = await this.orders.take(em, request);
        if (orderId !== undefined && perOption > 0) {
          if ((await this.orders.liveSeats(em, caller.userId, optionId)) > perOption) throw new OverHoldCap();
        }
        return orderId;
      });
    } catch (err) {
      if (err instanceof OverHoldCap) return undefined;
      // A seat taken by a concurrent statement between our lock and our insert (the partial unique index).
      if (isUniqueViolation(err)) return undefined;
      if (isRowOrRetryableError(err)) return undefined;
      throw err;
    }
  }

  /** Another fan's soft lock on some seats: SEAT_BEING_SELECTED, unless some are taken as well. */
  private async lockedRefusal(optionId: number, seatIds: number[], locked: number[]): Promise<DomainError> {
    const states = await this.orders.seatStates(seatIds);
    assertSeatsOfOption(seatIds, states, optionId);
    const taken = states.filter((s) => s.status !== 'AVAILABLE').map((s) => s.id);
    if (taken.length > 0) return seatsNotAvailable([...new Set([...taken, ...locked])].sort((a, b) => a - b));
    return new DomainError('SEAT_BEING_SELECTED', 'Another fan is selecting some of these seats', {
      unavailableSeatIds: [...locked].sort((a, b) => a - b),
    });
  }

  /** Why the statement took nothing: the seats' validity, the sale and the limits, the caps, the seats. */
  private async refusal(
    caller: Principal,
    optionId: number,
    seatIds: number[],
    ip?: string,
  ): Promise<DomainError> {
    const states = await this.orders.seatStates(seatIds);
    assertSeatsOfOption(seatIds, states, optionId);
    const ruled = await this.admission.orderRefusal(caller.userId, seatIds[0], seatIds.length);
    if (ruled) return ruled;
    const cap = this.config.maxActiveHoldsPerUser;
    if (
      cap > 0 &&
      (await this.orders.liveSeats(this.dataSource, caller.userId, optionId)) + seatIds.length > cap
    ) {
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
function assertSeatsOfOption(
  seatIds: number[],
  states: { id: number; optionId: number }[],
  optionId: number,
) {
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
