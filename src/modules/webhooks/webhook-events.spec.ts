import type { FanOutRow } from '../../infra/outbox/outbox-events';
import { newMessageId, webhookTypeOf } from './webhook-events';

const row = (eventType: FanOutRow['eventType'], payload: Record<string, unknown>): FanOutRow => ({
  id: 1,
  eventType,
  payload,
  createdAt: new Date(),
});

describe('which outbox rows become which messages', () => {
  it.each([
    ['CONFIRMED', 'ORDER_CONFIRMED'],
    ['PARTIALLY_REFUNDED', 'ORDER_REFUNDED'],
    ['REFUNDED', 'ORDER_REFUNDED'],
    ['CANCELLED', 'ORDER_CANCELLED'],
    ['EXPIRED', 'ORDER_EXPIRED'],
  ])('ORDER_STATUS %s → %s', (status, type) => {
    expect(webhookTypeOf(row('ORDER_STATUS', { status }))).toBe(type);
  });

  it('HOLD and PAYING announce nothing; SHOW_CANCELLED is SHOW_CANCELLED', () => {
    expect(webhookTypeOf(row('ORDER_STATUS', { status: 'HOLD' }))).toBeUndefined();
    expect(webhookTypeOf(row('ORDER_STATUS', { status: 'PAYING' }))).toBeUndefined();
    expect(webhookTypeOf(row('SHOW_CANCELLED', { id: 3, status: 'RUNNING' }))).toBe('SHOW_CANCELLED');
  });

  it('message ids are msg_ and 32 hex digits, one per message', () => {
    const ids = new Set(Array.from({ length: 1000 }, newMessageId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
  });
});
