import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { AdminRefundService } from '../refund/admin-refund.service';
import { ReservationTransitions } from '../reservation/reservation-transitions.service';
import type { PaidOrder } from './cancellation.repository';
import { ItemRefund, PaidSummary, ShowOrders } from './show-orders';

/**
 * ShowOrders over the reservation and refund modules' services. Until orders land (issue 35) every
 * reservation is an order of one with its own id (as the orders migration makes them), so a paid order is a
 * CONFIRMED reservation and its one item is itself.
 */
@Injectable()
export class OrdersForCancellation extends ShowOrders {
  constructor(
    private readonly transitions: ReservationTransitions,
    private readonly adminRefunds: AdminRefundService,
    private readonly dataSource: DataSource,
  ) {
    super();
  }

  async paidSummary(optionId: number): Promise<PaidSummary> {
    const paid = await this.transitions.paidOnOption(this.dataSource, optionId);
    return {
      paidOrders: paid.length,
      paidSeats: paid.length,
      refundTotalAmount: paid.reduce((sum, r) => sum + Number(r.amount), 0),
      unpaidOrders: await this.transitions.unpaidCount(optionId),
    };
  }

  cancelUnpaid(em: EntityManager, optionId: number): Promise<number> {
    return this.transitions.cancelUnpaidOnOption(em, optionId);
  }

  async paidOrders(em: EntityManager, optionId: number): Promise<PaidOrder[]> {
    const paid = await this.transitions.paidOnOption(em, optionId);
    return paid.map((r) => ({ orderId: r.id, userId: r.userId, amount: Number(r.amount), seats: 1 }));
  }

  async confirmedItems(orderId: number): Promise<number[]> {
    return (await this.transitions.view(orderId))?.status === 'CONFIRMED' ? [orderId] : [];
  }

  /**
   * The admin override (no cutoff, one audit row with the run's actor and reason). Whatever it answers, the
   * item's status afterwards is the truth: REFUNDED by this call or by a racing one counts as done.
   */
  async refundItem(
    _orderId: number,
    reservationId: number,
    actor: Principal,
    reason: string,
  ): Promise<ItemRefund> {
    let refusal: DomainError | undefined;
    try {
      await this.adminRefunds.override(actor, { id: reservationId, reason });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      refusal = err;
    }
    const status = (await this.transitions.view(reservationId))?.status;
    if (status === 'REFUNDED') return { refunded: true };
    // Still CONFIRMED and "not allowed": another refund of it is between its steps (RefundInProgress).
    if (status === 'CONFIRMED' && refusal?.code === 'REFUND_NOT_ALLOWED') return { busy: true };
    return { refunded: false, error: refusal ? `${refusal.code}: ${refusal.message}` : `item is ${status}` };
  }
}
