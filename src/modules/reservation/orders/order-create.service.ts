import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../../../common/auth/principal';
import { Clock, CLOCK } from '../../../common/clock';
import { DomainError, notFound } from '../../../common/errors/domain-error';
import { isRowOrRetryableError, isUniqueViolation } from '../../../common/errors/pg-errors';
import { AppConfig } from '../../../config/app-config';
import { inTransaction } from '../../../database/transaction';
import { AdmissionService } from '../../admission/admission.service';
import { EXPIRY_QUEUE, ExpiryQueue } from '../expiry/expiry-queue';
import { ZonesService } from '../../catalog/zones/zones.service';
import { chooseBestSeats } from './best-available';
import { CreateOrderDto } from './dto/order.dto';
import { OrderRefusals } from './order-refusals';
import { OrderRepository } from './order.repository';
import { OrderView, OrderViewRepository } from './order-view.repository';

/**
 * Picks of a quantity order before it gives up on a race it keeps losing. Each round re-reads the map, and
 * every lost round means a concurrent order won its seats, so n orders racing for the same best block need
 * at most n rounds; the bound is above the connections one instance serves at once.
 */
const BEST_AVAILABLE_ROUNDS = 100;

/** Thrown inside the order's transaction to roll it back: the per-option cap, re-counted, was passed. */
class OverHoldCap extends Error {}

/**
 * POST /api/orders by seat ids: every seat or none, decided by PostgreSQL (OrderRepository.take, one
 * statement). The rules of a hold apply to the order as a whole: the waiting room and the soft locks
 * (AdmissionService.throughOrderGate), the sales policy, and the limits counted in seats.
 */
@Injectable()
export class OrderCreateService {
  /** The tail of each option's queue of quantity orders on this instance (see oneAtATime). */
  private readonly pickers = new Map<number, Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly views: OrderViewRepository,
    private readonly admission: AdmissionService,
    private readonly refusals: OrderRefusals,
    private readonly zones: ZonesService,
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
    const size = body.seatIds?.length ?? body.quantity!;
    const max = this.config.maxSeatsPerOrder;
    if (size > max) {
      throw new DomainError('VALIDATION_FAILED', `at most ${max} seats per order (MAX_SEATS_PER_ORDER)`);
    }
    if (body.seatIds) return this.bySeatIds(caller, body.optionId, body.seatIds, ip);
    return this.oneAtATime(body.optionId, () =>
      this.byQuantity(caller, body.optionId, body.quantity!, body.categoryId, ip),
    );
  }

  /**
   * Quantity orders of one option run one at a time on this instance: every request picks the same best
   * block from the same map, so concurrent pickers would all race for it and all but one pick again (a
   * herd: n requests, up to n rounds each). In turn, each picks from a map that already shows its
   * predecessors' seats. Orders on other instances still race, and the loser picks again.
   */
  private oneAtATime<T>(optionId: number, work: () => Promise<T>): Promise<T> {
    const previous = this.pickers.get(optionId) ?? Promise.resolve();
    const mine = previous.then(work, work);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.pickers.set(optionId, tail);
    void tail.then(() => {
      if (this.pickers.get(optionId) === tail) this.pickers.delete(optionId);
    });
    return mine;
  }

  private async bySeatIds(caller: Principal, optionId: number, seatIds: number[], ip?: string) {
    const outcome = await this.attempt(caller, optionId, seatIds, ip);
    if ('refusal' in outcome) throw outcome.refusal;
    return this.held(outcome.orderId);
  }

  /**
   * Best available: chooseBestSeats picks from the option's map (AVAILABLE seats without another fan's
   * soft lock, of the zone when one is asked for), and the order statement tries to take exactly those.
   * When a concurrent order took (or a fan locked) one of them first, the map is read again and the
   * choice made again, a bounded number of times: an order is refused for seats only when fewer than
   * `quantity` matching seats are left.
   */
  private async byQuantity(
    caller: Principal,
    optionId: number,
    quantity: number,
    categoryId: number | undefined,
    ip?: string,
  ): Promise<OrderView> {
    if (categoryId !== undefined && !(await this.zones.list(optionId)).some((z) => z.id === categoryId)) {
      throw new DomainError('VALIDATION_FAILED', `categoryId: not a zone of option ${optionId}`);
    }
    const lockedByOthers = new Set<number>();
    for (let round = 0; round < BEST_AVAILABLE_ROUNDS; round++) {
      const [cells, locked] = await Promise.all([
        this.orders.seatMap(optionId),
        this.admission.lockedSeats(optionId),
      ]);
      if (cells.length === 0 && round === 0) throw notFound('Concert option');
      for (const id of locked) lockedByOthers.add(id);
      const choice = chooseBestSeats(
        cells.map((c) => ({
          id: c.id,
          row: c.row ?? '',
          number: c.number ?? 0,
          free: c.status === 'AVAILABLE' && !lockedByOthers.has(c.id),
          eligible:
            c.status === 'AVAILABLE' &&
            !lockedByOthers.has(c.id) &&
            (categoryId === undefined || c.categoryId === categoryId),
        })),
        quantity,
      );
      if (!choice) {
        throw new DomainError('SEAT_NOT_AVAILABLE', `Fewer than ${quantity} matching seats are available`, {
          unavailableSeatIds: [],
        });
      }
      const outcome = await this.attempt(caller, optionId, choice.seatIds, ip);
      if ('orderId' in outcome) return this.held(outcome.orderId);
      if (!outcome.seatsLost) throw outcome.refusal;
      for (const id of outcome.lockedByOthers) lockedByOthers.add(id);
    }
    throw new DomainError(
      'SEAT_NOT_AVAILABLE',
      'The seats went to other fans faster than we could pick; try again',
      {
        unavailableSeatIds: [],
      },
    );
  }

  /** After commit: the owner's locks on the seats are used up, and the order's deadline is queued. */
  private async held(orderId: number): Promise<OrderView> {
    const view = (await this.views.findById(orderId))!;
    // One member for the whole order: expiring (and warning) an item does the same to the others.
    await this.expiryQueue.add(view.items[0].reservationId, view.holdExpiresAt);
    return view;
  }

  /**
   * One try at exactly `seatIds`: through the gate (room, soft locks), then the statement. The refusal,
   * when it took nothing, is explained (OrderRefusals) and says whether it was about the seats only (a
   * quantity order then picks again).
   */
  private async attempt(
    caller: Principal,
    optionId: number,
    seatIds: number[],
    ip?: string,
  ): Promise<{ orderId: number } | { refusal: DomainError; seatsLost: boolean; lockedByOthers: number[] }> {
    const gate = await this.admission.throughOrderGate(caller, seatIds, () =>
      this.take(caller, optionId, seatIds, ip),
    );
    if (gate.lockedByOthers.length > 0) {
      const refusal = await this.refusals.lockedByOthers(optionId, seatIds, gate.lockedByOthers);
      return { refusal, seatsLost: true, lockedByOthers: gate.lockedByOthers };
    }
    const orderId = gate.result;
    if (orderId === undefined) {
      const refusal = await this.refusals.explain(caller, optionId, seatIds, ip);
      return { refusal, seatsLost: refusal.code === 'SEAT_NOT_AVAILABLE', lockedByOthers: [] };
    }
    for (const seatId of gate.ownLocks) await this.admission.consumeLock(caller, seatId, optionId);
    return { orderId };
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
}
