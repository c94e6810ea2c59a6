import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { HoldExpiryService } from './expiry/hold-expiry.service';
import { assertOwner } from './reservation-access';
import { isOverdue } from './reservation-state';
import { notFound } from '../../common/errors/domain-error';
import { ReservationFilter, ReservationView, ReservationViewRepository } from './reservation-view.repository';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 200;

/** GET endpoints. A read that finds an overdue hold expires it first, so polling always tells the truth. */
@Injectable()
export class ReservationQueryService {
  constructor(
    private readonly views: ReservationViewRepository,
    private readonly expiry: HoldExpiryService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async get(caller: Principal, id: number) {
    return this.truthOf(assertOwner(await this.views.findById(id), caller));
  }

  listMine(caller: Principal, filter: Omit<ReservationFilter, 'limit' | 'userId'> & { limit?: number }) {
    const limit = Math.min(filter.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    return this.views.list({ ...filter, userId: caller.userId, limit });
  }

  /** The admin console's view of any reservation, with its owner's username (404 when unknown). */
  async getAny(id: number) {
    const view = await this.views.findById(id, true);
    if (!view) throw notFound('Reservation');
    return this.truthOf(view, true);
  }

  /** The admin console's search, newest first, with usernames. */
  listAll(filter: Omit<ReservationFilter, 'limit'> & { limit?: number }) {
    const limit = Math.min(filter.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    return this.views.list({ ...filter, limit }, true);
  }

  /** An overdue hold is expired before it is shown. */
  private async truthOf(view: ReservationView, withUsername = false): Promise<ReservationView> {
    if (!isOverdue(view, this.clock.now())) return view;
    await this.expiry.expire([view.id]);
    return (await this.views.findById(view.id, withUsername))!;
  }
}
