import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../../database/transaction';
import { LedgerRepository, LedgerRow, NewLedgerRow } from '../../payment/ledger/ledger.repository';
import type { OrderLockRow } from '../../reservation/order-locks.repository';
import type { ReservationRow } from '../../reservation/reservation.repository';
import { ReservationTransitions } from '../../reservation/reservation-transitions.service';
import { GatewayAnswer, GatewayCalls } from './gateway-calls';

/**
 * What a money movement is about: an order, or (a v7 call) one reservation, which names its order, or
 * several orders at once (a show cancellation's batch of refunds).
 */
export type StepTarget = { orderId: number } | { reservationId: number } | { orderIds: number[] };

/**
 * The rows of one money movement, locked for the rest of a transaction in the one order every movement
 * uses: the order, then its items by id, then (in `record`) the ledger rows. Only the runner makes one,
 * and PAYMENT and REFUND rows are written and settled only through it, so no caller can take the locks
 * in another order (parallel confirms, refunds and webhooks would deadlock).
 */
export class Locked {
  /** @internal: made by CheckoutStepRunner.lock only. */
  constructor(
    readonly em: EntityManager,
    /** The orders as locked now, by id: one, or none when there is no such order (or reservation). */
    readonly orders: OrderLockRow[],
    /** Their items by (order, id), locked. */
    readonly items: ReservationRow[],
    /** The reservation a v7 call named, if the target was one. */
    readonly reservationId?: number,
  ) {}

  /** The order of a one-order target as locked now; undefined when there is no such order. */
  get order(): OrderLockRow | undefined {
    return this.orders.length === 1 ? this.orders[0] : undefined;
  }

  /** The v7 call's reservation as locked now; undefined when the target was an order, or is unknown. */
  get reservation(): ReservationRow | undefined {
    return this.items.find((item) => item.id === this.reservationId);
  }

  get orderId(): number | undefined {
    return this.order?.id;
  }
}

/** The outcome recorded on an intent: the row as it now stands, and whether this step settled it. */
export interface Recorded {
  row: LedgerRow;
  settledNow: boolean;
  /** The gateway's answer as recorded (a provider may have turned it in `commit`); none if nothing was sent. */
  answer?: GatewayAnswer;
}

/**
 * One money movement, in the runner's sequence. `begin` and `finish` run under the locks, in two
 * transactions; `call` runs between them, outside any transaction, once per intent still PENDING.
 */
export interface MoneyStep<T> {
  target: StepTarget;
  /** Check the locked rows and record the intents (PENDING ledger rows), or answer without the gateway. */
  begin(locked: Locked): Promise<{ intents: LedgerRow[] } | { answer: T }>;
  /** The gateway call about one intent. */
  call(intent: LedgerRow): Promise<GatewayAnswer>;
  /** Under the locks again, with the outcome recorded on every intent (by this step or by someone before). */
  finish(locked: Locked, recorded: Recorded[]): Promise<T>;
}

/**
 * The checkout step runner: the one sequence of every money movement, for confirm, refunds (user, admin,
 * automatic, per item), the webhook and the reconciler:
 *   lock (order, then items, then ledger) → check → record the intents → commit →
 *   call the gateway (outside any transaction) →
 *   lock (same order) → record the outcomes → apply them → commit.
 * `record` is the one path by which a PENDING ledger row is settled: conditional on the row still being
 * PENDING (SUCCESS and FAILED are terminal; the later of two racers changes nothing and says so), with the
 * provider's own share of the outcome (`commit`) in the same transaction.
 */
@Injectable()
export class CheckoutStepRunner {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: ReservationTransitions,
    private readonly ledger: LedgerRepository,
    private readonly gateway: GatewayCalls,
  ) {}

  async run<T>(step: MoneyStep<T>): Promise<T> {
    const begun = await this.locked(step.target, (locked) => step.begin(locked));
    if ('answer' in begun) return begun.answer;
    return this.resume(step, begun.intents);
  }

  /**
   * From the gateway calls on, for intents recorded before (by `run`, or by a process that died). The
   * calls about different intents (items) go out together: a batch of refunds is as slow as its slowest
   * call, not the sum of them (the caller's `call` paces them if it must).
   */
  async resume<T>(step: MoneyStep<T>, intents: LedgerRow[]): Promise<T> {
    const answers = await Promise.all(
      intents.map((intent) => (intent.status === 'PENDING' ? step.call(intent) : undefined)),
    );
    return this.locked(step.target, async (locked) => {
      const recorded = await this.recordAll(locked, intents, answers);
      return step.finish(locked, recorded);
    });
  }

  /** One transaction with the movement's rows locked (a step without a gateway call: the reconciler). */
  locked<T>(target: StepTarget, work: (locked: Locked) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, async (em) => work(await this.lock(em, target)));
  }

  /** Locks the movement's rows in the caller's transaction (the webhook claims its inbox row first). */
  async lock(em: EntityManager, target: StepTarget): Promise<Locked> {
    if ('orderIds' in target) {
      const { orders, items } = await this.transitions.lockOrders(em, target.orderIds);
      return new Locked(em, orders, items);
    }
    const reservationId = 'reservationId' in target ? target.reservationId : undefined;
    const orderId =
      'orderId' in target ? target.orderId : await this.transitions.orderOf(target.reservationId, em);
    const locked = orderId === undefined ? undefined : await this.transitions.lockOrder(em, orderId);
    return new Locked(em, locked ? [locked.order] : [], locked?.items ?? [], reservationId);
  }

  /** Records an intent (a PENDING PAYMENT or REFUND row of the locked order). */
  intend(locked: Locked, row: Omit<NewLedgerRow, 'orderId'>): Promise<LedgerRow> {
    return this.ledger.insert(locked.em, { ...row, orderId: locked.orderId! });
  }

  /** Records several intents in one statement (a batch of refunds), each naming one of the locked orders. */
  intendMany(locked: Locked, rows: NewLedgerRow[]): Promise<LedgerRow[]> {
    return this.ledger.insertMany(locked.em, rows);
  }

  /**
   * Records `answer` on `intent`: locks the ledger row (after the order and its items: see Locked), lets the
   * provider commit its share, and settles the row. An intent already settled keeps its outcome, and
   * nothing else happens (no money moves twice).
   */
  async record(locked: Locked, intent: LedgerRow, answer: GatewayAnswer): Promise<Recorded> {
    return (await this.recordAll(locked, [intent], [answer]))[0];
  }

  /**
   * `record` for every intent with an answer (one without is kept as it stands), with one statement to lock
   * the rows still PENDING and one to settle them, whatever their number.
   */
  private async recordAll(
    locked: Locked,
    intents: LedgerRow[],
    answers: (GatewayAnswer | undefined)[],
  ): Promise<Recorded[]> {
    const answeredIds = intents.filter((_, i) => answers[i]).map((intent) => intent.id);
    const pending = byId(await this.ledger.lockPendingMany(locked.em, answeredIds));
    const finals = new Map<number, GatewayAnswer>();
    for (const [i, intent] of intents.entries()) {
      const row = pending.get(intent.id);
      if (row) finals.set(row.id, await this.gateway.commit(locked.em, row, answers[i]!));
    }
    const settled = byId(
      await this.ledger.settleMany(
        locked.em,
        [...finals].map(([id, final]) => ({
          id,
          status: final.status,
          providerTransactionId: final.providerTransactionId,
          failureReason: final.status === 'FAILED' ? final.failureReason : null,
          redirectUrl: final.status === 'PENDING' ? final.redirectUrl : null,
          balanceAfterAmount: final.status === 'SUCCESS' ? final.balanceAfterAmount : null,
        })),
      ),
    );
    // Settled by someone else first (the webhook, the reconciler): its outcome stands, read as it is now.
    const current = byId(
      await this.ledger.findByIds(
        answeredIds.filter((id) => !pending.has(id)),
        locked.em,
      ),
    );
    return intents.map((intent, i) => {
      if (!answers[i]) return { row: intent, settledNow: false };
      const row = settled.get(intent.id);
      if (row) return { row, settledNow: true, answer: finals.get(intent.id) };
      return { row: current.get(intent.id)!, settledNow: false, answer: answers[i] };
    });
  }
}

const byId = (rows: LedgerRow[]) => new Map(rows.map((row) => [row.id, row]));
