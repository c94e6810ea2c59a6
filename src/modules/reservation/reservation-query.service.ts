import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { HoldExpiryService } from './expiry/hold-expiry.service';
import { assertOwner } from './reservation-access';
import { isOverdue } from './reservation-state';
import { ReservationFilter, ReservationViewRepository } from './reservation-view.repository';

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
    const view = assertOwner(await this.views.findById(id), caller);
    if (!isOverdue(view, this.clock.now())) return view;
    await this.expiry.expire([id]);
    return (await this.views.findById(id))!;
  }

  listMine(caller: Principal, filter: Omit<ReservationFilter, 'limit'> & { limit?: number }) {
    const limit = Math.min(filter.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    return this.views.listForUser(caller.userId, { ...filter, limit });
  }
}
