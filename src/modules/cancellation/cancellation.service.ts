import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { notFound } from '../../common/errors/domain-error';
import { inTransaction } from '../../database/transaction';
import { WaitingRoomService } from '../admission/waiting-room/waiting-room.service';
import { CatalogService } from '../catalog/catalog.service';
import { CancellationRepository, CancellationRun, RowResult } from './cancellation.repository';
import { CancellationWorker } from './cancellation-worker';
import { PaidSummary, ShowOrders } from './show-orders';

export const ORDERS_LIST_DEFAULT_LIMIT = 50;
export const ORDERS_LIST_MAX_LIMIT = 200;

export type CancelAnswer =
  | { created: true; run: CancellationRun }
  | { created: false; run: CancellationRun }
  | { dryRun: true; summary: PaidSummary & { optionId: number; dryRun: true } };

/**
 * Calling off a show. One transaction decides everything the fans and the sale see at once: the option's
 * marker (a conditional update, so two calls at once make one run), its unpaid orders cancelled, the
 * concert's waiting room closed when no show of it is left, the run with one row per paid order, and
 * SHOW_CANCELLED in the outbox. The refunds follow after commit, paced, by whichever instance leases the
 * rows (CancellationWorker).
 */
@Injectable()
export class CancellationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runs: CancellationRepository,
    private readonly catalog: CatalogService,
    private readonly rooms: WaitingRoomService,
    private readonly orders: ShowOrders,
    private readonly worker: CancellationWorker,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async cancel(actor: Principal, optionId: number, reason: string, dryRun: boolean): Promise<CancelAnswer> {
    const option = await this.catalog.optionForCancellation(optionId); // 404 for an unknown option
    if (dryRun) {
      const summary = await this.orders.paidSummary(optionId);
      return { dryRun: true, summary: { optionId, dryRun: true, ...summary } };
    }
    if (option.cancelledAt) return { created: false, run: await this.runOfOption(optionId) };
    const at = this.clock.now();
    const created = await inTransaction(this.dataSource, async (em) => {
      const marked = await this.catalog.markOptionCancelled(em, optionId, at);
      if (!marked) return undefined; // another call cancelled it first; its run is committed now
      const unpaid = await this.orders.cancelUnpaid(em, optionId);
      const paid = await this.orders.paidOrders(em, optionId);
      if (marked.allCancelled) await this.rooms.closeWithin(em, marked.concertId);
      const runId = await this.runs.insertRun(
        em,
        { optionId, concertId: marked.concertId, reason, actorUserId: actor.userId, at },
        paid,
      );
      return { runId, roomClosed: marked.allCancelled, concertId: marked.concertId, unpaid };
    });
    if (!created) return { created: false, run: await this.runOfOption(optionId) };
    await created.unpaid.afterCommit();
    if (created.roomClosed) await this.rooms.afterClosed(created.concertId);
    this.worker.wake();
    return { created: true, run: (await this.runs.findRun(created.runId))! };
  }

  async run(id: number): Promise<CancellationRun> {
    const run = await this.runs.findRun(id);
    if (!run) throw notFound('Cancellation run');
    return run;
  }

  async orderRows(id: number, result: RowResult | undefined, limit = ORDERS_LIST_DEFAULT_LIMIT) {
    await this.run(id); // 404 for an unknown run
    return this.runs.listOrders(id, result, Math.min(limit, ORDERS_LIST_MAX_LIMIT));
  }

  /** FAILED rows only go back to PENDING; rows being refunded right now are left to their lease. */
  async retry(id: number): Promise<CancellationRun> {
    await this.run(id);
    if ((await this.runs.reopenFailed(id)) > 0) this.worker.wake();
    return this.run(id);
  }

  private async runOfOption(optionId: number): Promise<CancellationRun> {
    const run = await this.runs.findRunOfOption(optionId);
    if (!run) throw notFound('Cancellation run'); // a marker without a run: never written by this service
    return run;
  }
}
