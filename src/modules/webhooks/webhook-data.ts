import { Injectable } from '@nestjs/common';
import type { FanOutRow } from '../../infra/outbox/outbox-events';
import { OrderQueryService } from '../reservation/orders/order-query.service';

interface OrderEventPayload {
  orderId: number;
  status: string;
  refundedAmount: number;
  holdExpiresAt: string;
  reason: string | null;
  items?: { reservationId: number; seatId: number; status: string }[];
}

/**
 * A message's `data`, per outbox row. ORDER_STATUS: the order in the contract's Order shape, read through
 * the orders module's OrderQueryService (one query for the batch), with what the event itself says laid
 * over it (status, refundedAmount, holdExpiresAt, reason, each item's status): those were written in the
 * change's own transaction, so the message describes exactly the state it announces even when the order
 * has moved on since (a CONFIRMED message never shows REFUNDED). An order the read does not find (deleted)
 * is described by the event alone. SHOW_CANCELLED: the run, as the cancellation wrote it.
 */
@Injectable()
export class WebhookData {
  constructor(private readonly orders: OrderQueryService) {}

  async of(rows: FanOutRow[]): Promise<Map<number, unknown>> {
    const orderIds = rows
      .filter((row) => row.eventType === 'ORDER_STATUS')
      .map((row) => Number((row.payload as unknown as OrderEventPayload).orderId));
    const orders = new Map((await this.orders.findMany([...new Set(orderIds)])).map((o) => [o.id, o]));
    return new Map(
      rows.map((row) => {
        if (row.eventType !== 'ORDER_STATUS') return [row.id, row.payload];
        const event = row.payload as unknown as OrderEventPayload;
        const stored = orders.get(Number(event.orderId));
        // Never throw on a row's shape: one odd row must not stop the fan-out of every row behind it.
        const itemStatus = new Map((event.items ?? []).map((i) => [i.reservationId, i.status]));
        const { orderId, ...described } = event;
        if (!stored) return [row.id, { id: orderId, ...described }];
        return [
          row.id,
          {
            ...stored,
            status: event.status,
            refundedAmount: event.refundedAmount,
            holdExpiresAt: event.holdExpiresAt,
            reason: event.reason,
            items: stored.items.map((item) => ({
              ...item,
              status: itemStatus.get(item.reservationId) ?? item.status,
            })),
          },
        ];
      }),
    );
  }
}
