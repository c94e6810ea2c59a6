import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../../database/transaction';
import { LedgerRepository, LedgerRow, NewLedgerRow } from '../../payment/ledger/ledger.repository';
import type { ReservationRow } from '../../reservation/reservation.repository';
import { ReservationTransitions } from '../../reservation/reservation-transitions.service';
import { GatewayAnswer, GatewayCalls } from './gateway-calls';

/**
 * The rows of one money movement, locked for the rest of a transaction in the one order every movement
 * uses: the reservation first, then (in `record`) its ledger row. Only the runner makes one, and ledger
 * rows are written only through it, so no caller can take the locks the other way round (parallel
 * confirms, refunds and webhooks would deadlock).
 */
export class Locked {
  /** @internal: made by CheckoutStepRunner.lock only. */
  constructor(
    readonly em: EntityManager,
    readonly reservationId: number,
    /** The reservation as locked now; undefined when there is no such reservation. */
    readonly reservation: ReservationRow | undefined,
  ) {}
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
 * transactions; `call` runs between them, outside any transaction.
 */
export interface MoneyStep<T> {
  reservationId: number;
  /** Check the locked rows and record the intent (a PENDING ledger row), or answer without the gateway. */
  begin(locked: Locked): Promise<{ intent: LedgerRow } | { answer: T }>;
  /** The gateway call about the intent (only while it is PENDING). */
  call(intent: LedgerRow): Promise<GatewayAnswer>;
  /** Under the locks again, with the outcome recorded on the intent (by this step or by someone before). */
  finish(locked: Locked, recorded: Recorded): Promise<T>;
}

/**
 * The checkout step runner: the one sequence of every money movement, for confirm, refunds (user, admin,
 * automatic), the webhook and the reconciler:
 *   lock (reservation, then ledger) → check → record the intent → commit →
 *   call the gateway (outside any transaction) →
 *   lock (same order) → record the outcome → apply it → commit.
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
    const begun = await this.locked(step.reservationId, (locked) => step.begin(locked));
    if ('answer' in begun) return begun.answer;
    return this.resume(step, begun.intent);
  }

  /** From the gateway call on, for an intent recorded before (by `run`, or by a process that died). */
  async resume<T>(step: MoneyStep<T>, intent: LedgerRow): Promise<T> {
    const answer = intent.status === 'PENDING' ? await step.call(intent) : undefined;
    return this.locked(step.reservationId, async (locked) => {
      const recorded = answer
        ? await this.record(locked, intent, answer)
        : { row: intent, settledNow: false };
      return step.finish(locked, recorded);
    });
  }

  /** One transaction with the movement's rows locked (a step without a gateway call: the reconciler). */
  locked<T>(reservationId: number, work: (locked: Locked) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, async (em) => work(await this.lock(em, reservationId)));
  }

  /** Locks the movement's rows in the caller's transaction (the webhook claims its inbox row first). */
  async lock(em: EntityManager, reservationId: number): Promise<Locked> {
    return new Locked(em, reservationId, await this.transitions.lock(em, reservationId));
  }

  /** Records an intent (a PENDING PAYMENT or REFUND row) under the locks. */
  intend(locked: Locked, row: NewLedgerRow): Promise<LedgerRow> {
    return this.ledger.insert(locked.em, row);
  }

  /**
   * Records `answer` on `intent`: locks the ledger row (after the reservation: see Locked), lets the
   * provider commit its share, and settles the row. An intent already settled keeps its outcome, and
   * nothing else happens (no money moves twice).
   */
  async record(locked: Locked, intent: LedgerRow, answer: GatewayAnswer): Promise<Recorded> {
    const pending = await this.ledger.lockPending(locked.em, intent.id);
    if (!pending)
      return { row: (await this.ledger.findById(intent.id, locked.em))!, settledNow: false, answer };
    const final = await this.gateway.commit(locked.em, pending, answer);
    const row = await this.ledger.settle(locked.em, intent.id, {
      status: final.status,
      providerTransactionId: final.providerTransactionId,
      failureReason: final.status === 'FAILED' ? final.failureReason : null,
      redirectUrl: final.status === 'PENDING' ? final.redirectUrl : null,
      balanceAfterAmount: final.status === 'SUCCESS' ? final.balanceAfterAmount : null,
    });
    return { row: row!, settledNow: true, answer: final };
  }
}
