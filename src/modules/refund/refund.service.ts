import { setTimeout } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import type { ErrorCode } from '../../common/errors/error-codes';
import { RefundInProgress, RefundPayments } from '../checkout/refund-payments.service';
import { assertOwner } from '../reservation/reservation-access';
import { ReservationTransitions } from '../reservation/reservation-transitions.service';
import { userMayRefund } from './refund-policy';

/** How long a second refund call waits for the first to settle, and how often it looks. */
const IN_FLIGHT_WAIT_MS = 5000;
const IN_FLIGHT_POLL_MS = 50;

export interface BulkCancelResult {
  reservationId: number;
  status: string | null;
  errorCode: ErrorCode | null;
}

/**
 * A user's refund and cancel of a paid ticket. Cancel and refund of a CONFIRMED ticket are one step: the
 * reservation moves to REFUNDED (seat AVAILABLE) in the same transaction that records the SUCCESS refund.
 */
@Injectable()
export class RefundService {
  constructor(
    private readonly transitions: ReservationTransitions,
    private readonly payments: RefundPayments,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** User refund: CONFIRMED and before the cutoff; a repeat on a REFUNDED ticket is 200 unchanged. */
  async refundByUser(caller: Principal, id: number) {
    const view = assertOwner(await this.transitions.view(id), caller);
    if (view.status === 'REFUNDED') return view;
    await this.refundOnce(caller, id, view.refundCutoffAt);
    return (await this.transitions.view(id))!;
  }

  /** Cancel: HOLD/PAYING → CANCELLED; CONFIRMED → refunded in the same call, under the same cutoff. */
  async cancel(caller: Principal, id: number) {
    const cancelled = await this.transitions.cancelUnpaid(caller, id);
    if (cancelled) return cancelled;
    const { refundCutoffAt } = assertOwner(await this.transitions.view(id), caller);
    await this.refundOnce(caller, id, refundCutoffAt);
    return (await this.transitions.view(id))!;
  }

  /**
   * A fan who taps refund twice (or cancel and refund at once) races their own refund: the second call
   * waits for the first to settle and then answers as a repeated refund does (200, REFUNDED) rather than
   * 409. Only if the first has not settled after a few seconds is the 409 passed on.
   */
  private async refundOnce(caller: Principal, id: number, refundCutoffAt: Date): Promise<void> {
    try {
      await this.refundBeforeCutoff(caller, id, refundCutoffAt);
    } catch (err) {
      if (!(err instanceof RefundInProgress)) throw err;
      for (const end = Date.now() + IN_FLIGHT_WAIT_MS; Date.now() < end;) {
        await setTimeout(IN_FLIGHT_POLL_MS);
        if ((await this.transitions.view(id))?.status === 'REFUNDED') return;
      }
      throw err;
    }
  }

  /**
   * Cancels each reservation on its own, in the order given, with the rules of a single cancel: one
   * failure does not undo or stop the others. Each result says the status after the call (null when the
   * reservation is unknown or someone else's: NOT_FOUND, as for a single call) and the refusal, if any.
   * A failure that is not a business refusal (the database or the gateway away) answers the whole call:
   * what was cancelled before it stays cancelled, and a retry reports those as refused transitions.
   */
  async cancelMany(caller: Principal, ids: number[]): Promise<BulkCancelResult[]> {
    const results: BulkCancelResult[] = [];
    for (const reservationId of ids) {
      try {
        const view = await this.cancel(caller, reservationId);
        results.push({ reservationId, status: view.status, errorCode: null });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        const view = err.code === 'NOT_FOUND' ? undefined : await this.transitions.view(reservationId);
        results.push({ reservationId, status: view?.status ?? null, errorCode: err.code });
      }
    }
    return results;
  }

  /**
   * Through the step runner (never a transaction across the gateway call). `refundCutoffAt` is read before
   * the first step (the show date never changes): reading it inside, on a second pooled connection while
   * this one holds the row lock, could starve the pool under parallel calls.
   */
  private async refundBeforeCutoff(caller: Principal, id: number, refundCutoffAt: Date): Promise<void> {
    const done = await this.payments.refundItems(
      { reservationId: id },
      {
        select: (locked) => {
          const row = assertOwner(locked.reservation, caller);
          if (row.status === 'REFUNDED') return 'ALREADY_REFUNDED'; // a parallel call refunded it meanwhile
          if (row.status !== 'CONFIRMED') {
            throw new DomainError(
              'REFUND_NOT_ALLOWED',
              `Nothing to refund: the reservation is ${row.status}`,
            );
          }
          if (!userMayRefund(this.clock.now(), refundCutoffAt)) {
            throw new DomainError(
              'REFUND_CUTOFF_PASSED',
              `Refunds closed at ${refundCutoffAt.toISOString()}`,
            );
          }
          return [row];
        },
      },
    );
    this.payments.orFail(done);
  }
}
