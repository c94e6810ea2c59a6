import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { hasRole, Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError, notFound } from '../../common/errors/domain-error';
import { RefundPayments, RefundRules } from '../checkout/refund-payments.service';
import type { Locked, StepTarget } from '../checkout/steps/checkout-step-runner';
import { OrderQueryService } from '../reservation/orders/order-query.service';
import type { OrderView } from '../reservation/orders/order-view.repository';
import type { ReservationRow } from '../reservation/reservation.repository';
import { AuditLogRepository, AuditResult } from './audit-log.repository';
import type { OrderOverrideRequest } from './dto/order-refund.dto';
import { userMayRefund } from './refund-policy';

/** What became of one item of an admin refund (the show-cancellation run reads this). */
export interface ItemRefundOutcome {
  orderId: number;
  reservationId: number;
  amount: number;
  result: 'REFUNDED' | 'FAILED';
  error: string | null;
}

/**
 * Refunds of an order, item by item, through RefundPayments (the step runner): each item gets back exactly
 * the amount it was sold for, the others keep theirs, and the order is PARTIALLY_REFUNDED until its last
 * CONFIRMED item is refunded. The user's refund (and cancel of a paid order) is bound by the cutoff; the
 * admin's ignores it and leaves one audit row per item, SUCCESS, DENIED or FAILED alike.
 */
@Injectable()
export class OrderRefundService {
  private readonly logger = new Logger(OrderRefundService.name);

  constructor(
    private readonly payments: RefundPayments,
    private readonly orders: OrderQueryService,
    private readonly audit: AuditLogRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** POST /api/orders/{id}/refund, and the cancel of a paid order (every CONFIRMED item). */
  async refundByUser(caller: Principal, orderId: number, reservationIds?: number[]): Promise<OrderView> {
    const { refundCutoffAt } = await this.orders.get(caller, orderId); // 404 for anyone else's
    const done = await this.payments.refundItems(
      { orderId },
      {
        select: (locked) => {
          const items = refundable(locked, reservationIds);
          if (!userMayRefund(this.clock.now(), refundCutoffAt)) {
            throw new DomainError(
              'REFUND_CUTOFF_PASSED',
              `Refunds closed at ${refundCutoffAt.toISOString()}`,
            );
          }
          return items;
        },
      },
    );
    this.payments.orFail(done);
    return this.orders.get(caller, orderId);
  }

  /** POST /api/admin/orders/{id}/refund: ignores the cutoff; one audit row per item, whatever happens. */
  async overrideByAdmin(caller: Principal, request: OrderOverrideRequest): Promise<OrderView> {
    const order = request.id === undefined ? undefined : await this.orders.getAny(request.id);
    const named = (ids?: number[]) =>
      ids ? order?.items.filter((i) => ids.includes(i.reservationId)) : undefined;
    // The rows an outcome is written for: the named items, else the order's CONFIRMED ones, else all of them.
    const audited = () => {
      const items = named(request.reservationIds) ?? order?.items.filter((i) => i.status === 'CONFIRMED');
      return items?.length
        ? items.map((i) => i.reservationId)
        : (order?.items.map((i) => i.reservationId) ?? [null]);
    };
    const write = (result: AuditResult, detail: string) =>
      this.writeEach(audited(), { order, caller, reason: request.reason ?? null }, result, detail);

    if (!hasRole(caller, 'ADMIN')) {
      await write('DENIED', `FORBIDDEN: role ${caller.role} may not override refunds (ADMIN required)`);
      throw new DomainError('FORBIDDEN', 'Role ADMIN required');
    }
    try {
      if (request.invalid) throw request.invalid;
      if (!order) throw notFound('Order');
      const outcomes = await this.refundAsAdmin(
        caller,
        order.id,
        request.reason!,
        request.reservationIds,
        true,
      );
      const failed = outcomes.find((o) => o.result === 'FAILED');
      if (failed)
        throw new DomainError('PAYMENT_GATEWAY_ERROR', 'The payment gateway could not refund; retry later');
      return (await this.orders.getAny(order.id))!;
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'PAYMENT_GATEWAY_ERROR')) {
        await write('FAILED', describe(err)); // a gateway failure has written its FAILED rows per item
      }
      throw err;
    }
  }

  /**
   * Refunds the order's CONFIRMED items (or the named ones, each CONFIRMED) as an admin action: no cutoff,
   * through the step runner, audited (see `refundAudited`). Returns the outcome per item; refusals (unknown
   * order, nothing to refund) are thrown and audited by the caller.
   */
  async refundAsAdmin(
    actor: Principal,
    orderId: number,
    reason: string,
    reservationIds?: number[],
    failIfNothing = false,
  ): Promise<ItemRefundOutcome[]> {
    const done = await this.refundAudited(
      actor,
      reason,
      { orderId },
      {
        select: (locked) => {
          if (!locked.order) throw notFound('Order');
          if (!failIfNothing && !reservationIds && !locked.items.some((i) => i.status === 'CONFIRMED')) {
            return 'ALREADY_REFUNDED'; // nothing left to do (its fan refunded it already)
          }
          return refundable(locked, reservationIds);
        },
      },
    );
    return done.outcomes;
  }

  /**
   * A show cancellation's batch: every CONFIRMED item of each of the orders, as the run's admin with its
   * reason, in one pair of transactions for the whole batch; `beforeCall` paces the gateway calls. An order
   * another refund is busy with is left out (`busyOrders`); one with nothing CONFIRMED left has nothing
   * to do and no outcome.
   */
  refundOrdersAsAdmin(
    actor: Principal,
    orderIds: number[],
    reason: string,
    beforeCall: () => Promise<void>,
  ): Promise<{ outcomes: ItemRefundOutcome[]; busyOrders: number[] }> {
    return this.refundAudited(
      actor,
      reason,
      { orderIds },
      {
        select: (locked) => {
          const confirmed = locked.items.filter((i) => i.status === 'CONFIRMED');
          return confirmed.length ? confirmed : 'ALREADY_REFUNDED';
        },
        beforeCall,
        leaveBusyOrders: true,
      },
    );
  }

  /**
   * The admin's refund of the items `rules` select, through the step runner: one note per item in the
   * transaction that records its PENDING refund, closed as a SUCCESS audit row in the one that records its
   * refund, and one FAILED row per item the gateway did not refund.
   */
  private async refundAudited(
    actor: Principal,
    reason: string,
    target: StepTarget,
    rules: Pick<RefundRules<void>, 'select' | 'beforeCall' | 'leaveBusyOrders'>,
  ): Promise<{ outcomes: ItemRefundOutcome[]; busyOrders: number[] }> {
    // One note per item, each named by its own uuid: admin_refund_requests.request_key is varchar(40),
    // which a uuid fits and a uuid plus an item id does not once ids reach four digits.
    const keys = new Map<number, string>();
    const key = (item: ReservationRow) => {
      if (!keys.has(item.id)) keys.set(item.id, randomUUID());
      return keys.get(item.id)!;
    };
    const entry = (item: ReservationRow) => ({
      reservationId: item.id,
      targetUserId: item.userId,
      actorUserId: actor.userId,
      actorRole: actor.role,
      reason,
      occurredAt: this.clock.now(),
    });
    const done = await this.payments.refundItems(target, {
      ...rules,
      withIntents: (em, items) =>
        this.audit.openRequests(
          em,
          items.map((item) => ({ ...entry(item), requestKey: key(item) })),
        ),
      withSuccess: async (em, refunded) => {
        const notes = refunded.map((item) => ({
          reservationId: item.id,
          requestKey: key(item),
          detailMessage: refundedDetail(item),
        }));
        await this.audit.closeRequests(em, notes, 'SUCCESS', this.clock.now());
      },
    });
    if (!done) return { outcomes: [], busyOrders: [] };
    const outcome = (item: ReservationRow, error: string | null): ItemRefundOutcome => ({
      orderId: item.orderId,
      reservationId: item.id,
      amount: item.amount,
      result: error ? 'FAILED' : 'REFUNDED',
      error,
    });
    const outcomes = done.refunded.map(({ item }) => outcome(item, null));
    for (const { item, refund } of done.failed) {
      const error = `PAYMENT_GATEWAY_ERROR: ${refund.failureReason ?? 'refund failed'}`;
      await this.record({ ...entry(item), result: 'FAILED', detailMessage: error }, key(item));
      outcomes.push(outcome(item, error));
    }
    return { outcomes, busyOrders: done.busyOrders };
  }

  private async writeEach(
    reservationIds: (number | null)[],
    ctx: { order?: OrderView; caller: Principal; reason: string | null },
    result: AuditResult,
    detailMessage: string,
  ): Promise<void> {
    for (const reservationId of reservationIds) {
      await this.record({
        reservationId,
        targetUserId: ctx.order?.userId ?? null,
        actorUserId: ctx.caller.userId,
        actorRole: ctx.caller.role,
        reason: ctx.reason,
        result,
        detailMessage,
        occurredAt: this.clock.now(),
      });
    }
  }

  /** A failed audit write must not change the answer: logged with the whole entry for an operator. */
  private async record(
    entry: Parameters<AuditLogRepository['record']>[0],
    requestKey?: string,
  ): Promise<void> {
    try {
      await this.audit.record(entry, requestKey);
    } catch (err) {
      this.logger.error({ entry, err: String(err) }, 'admin refund audit row could not be written');
    }
  }
}

/**
 * The items a refund may take, under the order's lock: the named ones, each an item of the order and
 * CONFIRMED, or every CONFIRMED item; none at all is REFUND_NOT_ALLOWED (also for an order already REFUNDED).
 */
function refundable(locked: Locked, reservationIds?: number[]): ReservationRow[] {
  if (reservationIds) {
    const items = reservationIds.map((id) => locked.items.find((i) => i.id === id));
    const wrong = reservationIds.filter((id, n) => items[n]?.status !== 'CONFIRMED');
    if (wrong.length) {
      throw new DomainError('REFUND_NOT_ALLOWED', `Not a CONFIRMED item of this order: ${wrong.join(', ')}`);
    }
    return items as ReservationRow[];
  }
  const confirmed = locked.items.filter((i) => i.status === 'CONFIRMED');
  if (!confirmed.length)
    throw new DomainError('REFUND_NOT_ALLOWED', 'Nothing to refund: no item is CONFIRMED');
  return confirmed;
}

const refundedDetail = (item: ReservationRow) =>
  `Refunded ${item.amount} KRW to user ${item.userId} (item ${item.id} of order ${item.orderId}; override of the cutoff)`;

function describe(err: unknown): string {
  if (err instanceof DomainError) return `${err.code}: ${err.message}`;
  return `INTERNAL_ERROR: ${err instanceof Error ? err.message : String(err)}`;
}
