import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import type { LedgerRow } from '../payment/payment-attempts.service';
import { PaymentRefunder } from '../payment/payment-refunder.service';
import { EXPIRY_QUEUE, ExpiryQueue } from './expiry/expiry-queue';
import { ReservationRepository, ReservationRow } from './reservation.repository';
import { isOverdue, TRANSITIONS } from './reservation-state';

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
 * The one "record outcome → move the reservation" step, shared by confirm (gateway answered) and the PG
 * webhook (asynchronous answer), so both treat an approval after the deadline the same way.
 */
@Injectable()
export class ReservationSettlementService {
  private readonly logger = new Logger(ReservationSettlementService.name);

  constructor(
    private readonly reservations: ReservationRepository,
    private readonly refunder: PaymentRefunder,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EXPIRY_QUEUE) private readonly expiryQueue: ExpiryQueue,
  ) {}

  /** Locks the reservation for the settling transaction (always before the ledger row, as confirm does). */
  lock(em: EntityManager, id: number): Promise<ReservationRow | undefined> {
    return this.reservations.lock(em, id);
  }

  /**
   * Inside the caller's transaction, with `row` locked and `attempt` as it now stands: move the reservation.
   * A capture on a reservation that is no longer live never yields a ticket (the seat is not given back).
   */
  async apply(em: EntityManager, row: ReservationRow, attempt: LedgerRow): Promise<SettlementOutcome> {
    const now = this.clock.now();
    if (attempt.status === 'FAILED') {
      await this.reservations.appendStatusEvent(em, row.id, now);
      return 'FAILED';
    }
    if (attempt.status === 'PENDING') return 'PENDING';
    // One PENDING-or-SUCCESS payment per reservation (unique index): a paid reservation was paid by this one.
    if (row.status === 'CONFIRMED' || row.status === 'REFUNDED') return 'ALREADY_PAID';
    if (await this.reservations.transition(em, row.id, TRANSITIONS.confirm, now)) return 'CONFIRMED';
    if (isOverdue(row, now)) await this.reservations.expireDue(em, [row.id], now);
    return row.status === 'CANCELLED' ? 'PAID_AFTER_CANCEL' : 'PAID_AFTER_EXPIRY';
  }

  /** After commit: drop the expiry timer of a confirmed hold, or refund a payment that bought nothing. */
  async followUp(id: number, outcome: SettlementOutcome): Promise<void> {
    if (outcome === 'CONFIRMED') await this.expiryQueue.remove(id);
    if (isPaidWithoutTicket(outcome)) await this.compensate(id);
  }

  private async compensate(id: number): Promise<void> {
    try {
      await this.refunder.refund(id);
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
