import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError, notFound } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { inTransaction } from '../../database/transaction';
import type { Principal } from '../../common/auth/principal';
import { AdminActions } from '../../infra/admin-actions/admin-actions';
import { AdmissionService } from '../admission/admission.service';
import { saleOpensAt, SalesPolicy, saleStatus } from '../admission/sales-policy/sales-policy';
import { CatalogRepository, ConcertRow, OptionRow } from './catalog.repository';

@Injectable()
export class CatalogService {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly admission: AdmissionService,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly actions: AdminActions,
  ) {}

  async listConcerts() {
    const concerts = await this.catalog.listConcerts();
    const policies = await this.policiesOf(concerts.map((c) => c.id));
    return concerts.map((c) => this.concertView(c, policies.get(c.id)));
  }

  async listOptions(concertId: number) {
    if (!(await this.catalog.findConcert(concertId))) throw notFound('Concert');
    const [policy] = await this.admission.salesPolicies([concertId]);
    return (await this.catalog.listOptions(concertId)).map((o) => this.optionView(o, policy));
  }

  optionExists(optionId: number): Promise<boolean> {
    return this.catalog.optionExists(optionId);
  }

  /** The seat map, where a live soft lock shows an AVAILABLE seat as SELECTING; `/seats` leaves those out. */
  async listSeats(optionId: number, onlyAvailable: boolean) {
    if (!(await this.catalog.optionExists(optionId))) throw notFound('Concert option');
    const [seats, selecting] = await Promise.all([
      this.catalog.listSeats(optionId, onlyAvailable),
      this.admission.lockedSeats(optionId),
    ]);
    const map = seats.map((s) =>
      s.status === 'AVAILABLE' && selecting.has(s.id) ? { ...s, status: 'SELECTING' } : s,
    );
    return onlyAvailable ? map.filter((s) => s.status === 'AVAILABLE') : map;
  }

  /** `actor`: the admin who asked (recorded in admin_actions); none for the demo seed. */
  async createConcert(title: string, artistName?: string, actor?: Principal) {
    return inTransaction(this.dataSource, async (em) => {
      const id = await this.catalog.insertConcert(title, artistName ?? null, em);
      if (actor) {
        const detail = { title, artistName: artistName ?? null };
        await this.actions.record(em, actor, {
          action: 'CONCERT_CREATED',
          targetType: 'CONCERT',
          targetId: id,
          detail,
        });
      }
      return this.concertView((await this.catalog.findConcert(id, em))!, undefined);
    });
  }

  async createOption(
    concertId: number,
    concertDate: Date,
    seatCount: number,
    ticketPriceAmount?: number,
    actor?: Principal,
  ) {
    if (concertDate <= this.clock.now()) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        'concertDate must be in the future',
      ]);
    }
    const [policy] = await this.admission.salesPolicies([concertId]);
    return inTransaction(this.dataSource, async (em) => {
      if (!(await this.catalog.findConcert(concertId, em))) throw notFound('Concert');
      const price = ticketPriceAmount ?? this.config.defaultTicketPrice;
      const id = await this.catalog.insertOptionWithSeats(concertId, concertDate, price, seatCount, em);
      if (actor) {
        const detail = { concertId, concertDate, ticketPriceAmount: price, seatCount };
        await this.actions.record(em, actor, {
          action: 'OPTION_CREATED',
          targetType: 'OPTION',
          targetId: id,
          detail,
        });
      }
      return this.optionView((await this.catalog.findOption(id, em))!, policy);
    });
  }

  private async policiesOf(concertIds: number[]): Promise<Map<number, SalesPolicy>> {
    return new Map((await this.admission.salesPolicies(concertIds)).map((p) => [p.concertId, p]));
  }

  /**
   * The option, for a caller about to cancel it (`cancelledAt` set when it already is), or 404. The
   * marker itself is set by `markOptionCancelled` in the caller's transaction.
   */
  async optionForCancellation(optionId: number): Promise<OptionRow> {
    const option = await this.catalog.findOption(optionId);
    if (!option) throw notFound('Concert option');
    return option;
  }

  /** Sets the option's cancelled marker once; undefined when another call set it first (see the repository). */
  markOptionCancelled(em: EntityManager, optionId: number, at: Date) {
    return this.catalog.markOptionCancelled(em, optionId, at);
  }

  /** Shows cancelled at `since` or later (the cancellation worker's sweep for holds that raced it). */
  optionsCancelledSince(since: Date): Promise<number[]> {
    return this.catalog.optionsCancelledSince(since);
  }

  private concertView({ lastShowAt, allCancelled, ...concert }: ConcertRow, policy: SalesPolicy | undefined) {
    const ended = lastShowAt !== null && lastShowAt <= this.clock.now();
    const sale = this.sale(policy, ended, concert);
    return { ...concert, ...sale, saleStatus: allCancelled ? ('CANCELLED' as const) : sale.saleStatus };
  }

  private optionView({ cancelledAt, ...option }: OptionRow, policy: SalesPolicy | undefined) {
    const sale = this.sale(policy, option.concertDate <= this.clock.now(), option);
    return { ...option, ...sale, saleStatus: cancelledAt ? ('CANCELLED' as const) : sale.saleStatus };
  }

  private sale(
    policy: SalesPolicy | undefined,
    ended: boolean,
    seats: { totalSeatCount: number; availableSeatCount: number },
  ) {
    const status = saleStatus(policy, this.clock.now(), {
      ended,
      seats: seats.totalSeatCount,
      seatsAvailable: seats.availableSeatCount,
    });
    return { saleStatus: status, saleOpensAt: saleOpensAt(policy) };
  }
}
