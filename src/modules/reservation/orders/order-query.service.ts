import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal';
import { Clock, CLOCK } from '../../../common/clock';
import { notFound } from '../../../common/errors/domain-error';
import { HoldExpiryService } from '../expiry/hold-expiry.service';
import { isOverdue } from '../reservation-state';
import { OrderFilter, OrderView, OrderViewRepository } from './order-view.repository';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** Another user's order is answered exactly like a missing one: 404, never a hint it exists. */
export function assertOrderOwner<T extends { userId: number }>(row: T | undefined, caller: Principal): T {
  if (!row || row.userId !== caller.userId) throw notFound('Order');
  return row;
}

/** GET endpoints of orders. A read that finds an overdue order expires it first (polling tells the truth). */
@Injectable()
export class OrderQueryService {
  constructor(
    private readonly views: OrderViewRepository,
    private readonly expiry: HoldExpiryService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async get(caller: Principal, id: number): Promise<OrderView> {
    return this.truthOf(assertOrderOwner(await this.views.findById(id), caller));
  }

  /** Any order, for the admin console and the audit of an admin refund (undefined when unknown). */
  getAny(id: number): Promise<OrderView | undefined> {
    return this.views.findById(id, true);
  }

  listMine(caller: Principal, filter: Omit<OrderFilter, 'limit' | 'userId'> & { limit?: number }) {
    const limit = Math.min(filter.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    return this.views.list({ ...filter, userId: caller.userId, limit });
  }

  /** The admin console's search, newest first, with usernames. */
  listAll(filter: Omit<OrderFilter, 'limit'> & { limit?: number }) {
    const limit = Math.min(filter.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    return this.views.list({ ...filter, limit }, true);
  }

  /**
   * Orders as stored, by id, with no side effect (an overdue one is not expired here): for other modules
   * that describe an order to someone else (outbound webhooks' message data).
   */
  findMany(ids: number[]): Promise<OrderView[]> {
    return ids.length ? this.views.findByIds(ids) : Promise.resolve([]);
  }

  /** An overdue order is expired (all its items, one statement) before it is shown. */
  async truthOf(view: OrderView, withUsername = false): Promise<OrderView> {
    const live = view.status === 'HOLD' || view.status === 'PAYING';
    if (
      !live ||
      !isOverdue({ status: view.status as 'HOLD', holdExpiresAt: view.holdExpiresAt }, this.clock.now())
    )
      return view;
    await this.expiry.expire([view.items[0].reservationId]);
    return (await this.views.findById(view.id, withUsername))!;
  }
}
