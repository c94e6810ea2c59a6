import { isOverdue, SEAT_STATUS_FOR, TRANSITIONS } from './reservation-state';

describe('reservation state machine', () => {
  it('frees the seat in every final state and holds it otherwise', () => {
    expect(SEAT_STATUS_FOR.HOLD).toBe('TEMP_RESERVED');
    expect(SEAT_STATUS_FOR.PAYING).toBe('TEMP_RESERVED');
    expect(SEAT_STATUS_FOR.CONFIRMED).toBe('RESERVED');
    expect([SEAT_STATUS_FOR.EXPIRED, SEAT_STATUS_FOR.CANCELLED, SEAT_STATUS_FOR.REFUNDED]).toEqual([
      'AVAILABLE',
      'AVAILABLE',
      'AVAILABLE',
    ]);
  });

  it('allows cancel from HOLD and PAYING (the replaced system could not cancel PAYING)', () => {
    expect(TRANSITIONS.cancel.from).toEqual(['HOLD', 'PAYING']);
  });

  it('only confirms and moves to PAYING before the deadline', () => {
    expect(TRANSITIONS.confirm.requiresLiveHold).toBe(true);
    expect(TRANSITIONS.paying.requiresLiveHold).toBe(true);
    expect(TRANSITIONS.expire.requiresLiveHold).toBe(false);
  });

  it('treats the deadline instant itself as overdue', () => {
    const deadline = new Date('2026-11-24T12:00:00.000Z');
    expect(isOverdue({ status: 'HOLD', holdExpiresAt: deadline }, new Date(deadline.getTime() - 1))).toBe(
      false,
    );
    expect(isOverdue({ status: 'HOLD', holdExpiresAt: deadline }, deadline)).toBe(true);
    expect(
      isOverdue({ status: 'CONFIRMED', holdExpiresAt: deadline }, new Date(deadline.getTime() + 1)),
    ).toBe(false);
  });
});
