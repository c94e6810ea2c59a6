import { Injectable, Logger } from '@nestjs/common';
import type { LedgerRow } from '../payment/ledger/ledger.repository';
import { ReservationTransitions } from '../reservation/reservation-transitions.service';
import { RefundPayments } from './refund-payments.service';
import type { Locked } from './steps/checkout-step-runner';

/**
 * What a settled payment attempt did to its reservation.
 * PAID_AFTER_CANCEL / PAID_AFTER_EXPIRY: money was captured for a reservation that can no longer get a
 * ticket; `followUp` refunds it. ALREADY_PAID: the reservation was already moved by this same payment
 * (e.g. the webhook settled it while confirm was waiting on the gateway).
 */
export type SettlementOutcome =
  'CONFIRMED' | 'FAILED' | 'PENDING' | 'ALREADY_PAID' | 'PAID_AFTER_CANCEL' | 'PAID_AFTER_EXPIRY';

export const isPaidWithoutTicket = (o: SettlementOutcome) =>
  o === 'PAID_AFTER_CANCEL' || o === 'PAID_AFTER_EXPIRY';

/**
 * The one place where a payment outcome reaches its reservation, whichever door it came through: the
 * gateway's answer to confirm, the PG's webhook, or the reconciler's inquiry. So an approval after the
 * deadline is treated the same way by all three: never a ticket, always a refund.
 */
@Injectable()
export class SettlementService {
  private readonly logger = new Logger(SettlementService.name);

  constructor(
    private readonly transitions: ReservationTransitions,
    private readonly refunds: RefundPayments,
  ) {}

  /**
   * Inside the step runner's transaction, with the reservation locked and `attempt` as it now stands: move
   * the reservation. A capture on a reservation that is no longer live never yields a ticket (the seat is
   * not given back).
   */
  async apply({ em, reservation }: Locked, attempt: LedgerRow): Promise<SettlementOutcome> {
    const row = reservation!;
    if (attempt.status === 'FAILED') {
      await this.transitions.recordPaymentFailed(em, row.id);
      return 'FAILED';
    }
    if (attempt.status === 'PENDING') return 'PENDING';
    // One PENDING-or-SUCCESS payment per reservation (unique index): a paid reservation was paid by this one.
    if (row.status === 'CONFIRMED' || row.status === 'REFUNDED') return 'ALREADY_PAID';
    if (await this.transitions.move(em, row.id, 'confirm')) return 'CONFIRMED';
    await this.transitions.expireIfOverdue(em, row);
    return row.status === 'CANCELLED' ? 'PAID_AFTER_CANCEL' : 'PAID_AFTER_EXPIRY';
  }

  /** After commit: drop the expiry timer of a confirmed hold, or refund a payment that bought nothing. */
  async followUp(id: number, outcome: SettlementOutcome): Promise<void> {
    if (outcome === 'CONFIRMED') await this.transitions.dropDeadline(id);
    if (isPaidWithoutTicket(outcome)) await this.compensate(id);
  }

  private async compensate(id: number): Promise<void> {
    try {
      await this.refunds.compensate(id);
      this.logger.warn(
        { reservationId: id },
        'payment captured after the hold ended: refunded automatically',
      );
    } catch (err) {
      // The captured payment stays visible in GET /api/admin/payments/pending for an operator.
      this.logger.error({ reservationId: id, err: String(err) }, 'automatic refund failed');
    }
  }
}
