import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import type { Principal } from '../auth/principal';
import { PaymentRefunder } from '../payment/payment-refunder.service';
import { assertOwner } from '../reservation/reservation-access';
import { ReservationLifecycleService } from '../reservation/reservation-lifecycle.service';
import { userMayRefund } from './refund-policy';

export interface AdminRefundAuditSteps {
  noteRequest: (em: EntityManager) => Promise<void>;
  onRefunded: (em: EntityManager) => Promise<void>;
}

/**
 * Paid-ticket refunds. Cancel and refund of a CONFIRMED ticket are one step: the reservation moves to
 * REFUNDED (seat AVAILABLE) in the same transaction that records the SUCCESS refund row.
 */
@Injectable()
export class RefundService {
  constructor(
    private readonly lifecycle: ReservationLifecycleService,
    private readonly refunder: PaymentRefunder,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** User refund: CONFIRMED and before the cutoff; a repeat on a REFUNDED ticket is 200 unchanged. */
  async refundByUser(caller: Principal, id: number) {
    const view = assertOwner(await this.lifecycle.view(id), caller);
    if (view.status === 'REFUNDED') return view;
    await this.refund(id, (em) => this.checkUserMayRefund(em, caller, id, view.refundCutoffAt));
    return (await this.lifecycle.view(id))!;
  }

  /** Cancel: HOLD/PAYING → CANCELLED; CONFIRMED → refunded in the same call, under the same cutoff. */
  async cancel(caller: Principal, id: number) {
    const cancelled = await this.lifecycle.cancelUnpaid(caller, id);
    if (cancelled) return cancelled;
    const { refundCutoffAt } = assertOwner(await this.lifecycle.view(id), caller);
    await this.refund(id, (em) => this.checkUserMayRefund(em, caller, id, refundCutoffAt));
    return (await this.lifecycle.view(id))!;
  }

  /**
   * Refunds ignoring the cutoff (admin override): CONFIRMED only. The override's audit steps run inside
   * the refund's own transactions: `noteRequest` in the one that records the PENDING refund, `onRefunded`
   * in the one that records its SUCCESS.
   */
  async refundAsAdmin(id: number, audit: AdminRefundAuditSteps) {
    await this.refund(
      id,
      async (em) => {
        const row = await this.lifecycle.refundSteps.lock(em, id);
        if (!row) throw new DomainError('NOT_FOUND', 'Reservation not found');
        if (row.status !== 'CONFIRMED') {
          throw new DomainError('REFUND_NOT_ALLOWED', `A ${row.status} reservation cannot be refunded`);
        }
        await audit.noteRequest(em);
      },
      audit.onRefunded,
    );
    return (await this.lifecycle.view(id))!;
  }

  private refund(
    id: number,
    precheck: (em: EntityManager) => Promise<void>,
    onRefunded?: (em: EntityManager) => Promise<void>,
  ) {
    return this.refunder.refund(id, {
      precheck,
      onSuccess: async (em) => {
        await this.lifecycle.refundSteps.markRefunded(em, id);
        await onRefunded?.(em);
      },
    });
  }

  /**
   * `refundCutoffAt` is read before the transaction (the show date never changes): fetching it here, on a
   * second pooled connection while this one holds the row lock, could starve the pool under parallel calls.
   */
  private async checkUserMayRefund(
    em: EntityManager,
    caller: Principal,
    id: number,
    refundCutoffAt: Date,
  ): Promise<void> {
    const row = assertOwner(await this.lifecycle.refundSteps.lock(em, id), caller);
    // A parallel call refunded it while this one waited for the lock: the refunder then finds the SUCCESS
    // row and returns it, so the repeat is 200 unchanged as the contract asks.
    if (row.status === 'REFUNDED') return;
    if (row.status !== 'CONFIRMED') {
      throw new DomainError('REFUND_NOT_ALLOWED', `Nothing to refund: the reservation is ${row.status}`);
    }
    if (!userMayRefund(this.clock.now(), refundCutoffAt)) {
      throw new DomainError('REFUND_CUTOFF_PASSED', `Refunds closed at ${refundCutoffAt.toISOString()}`);
    }
  }
}
