import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { FanOutRow } from '../../infra/outbox/outbox-events';

/**
 * A message's `data`, per outbox row, read inside the fan-out transaction. ORDER_STATUS: the order as the
 * event describes it (the outbox payload is the order's state written in the change's own transaction, so
 * it is exactly the state the message announces, never a later one). SHOW_CANCELLED: the run, as written.
 */
@Injectable()
export class WebhookData {
  async of(_em: EntityManager, rows: FanOutRow[]): Promise<Map<number, unknown>> {
    return new Map(
      rows.map((row) => [row.id, row.eventType === 'ORDER_STATUS' ? orderOf(row.payload) : row.payload]),
    );
  }
}

/** The order fields the ORDER_STATUS payload carries, in the contract's Order names. */
function orderOf(payload: Record<string, unknown>): Record<string, unknown> {
  const { orderId, ...rest } = payload;
  return { id: orderId, ...rest };
}
