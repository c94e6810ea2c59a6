import { refundCutoffAt } from '../reservation/reservation-state';
import { userMayRefund } from './refund-policy';

describe('refund policy', () => {
  const show = new Date('2026-12-24T19:00:00.000Z');
  const cutoff = refundCutoffAt(show, 24);

  it('puts the cutoff REFUND_CUTOFF_HOURS before the show start, in UTC', () => {
    expect(cutoff.toISOString()).toBe('2026-12-23T19:00:00.000Z');
    expect(refundCutoffAt(show, 0).toISOString()).toBe(show.toISOString());
  });

  it('allows a user refund 1 ms before the cutoff', () => {
    expect(userMayRefund(new Date(cutoff.getTime() - 1), cutoff)).toBe(true);
  });

  it('refuses it at the exact cutoff instant', () => {
    expect(userMayRefund(cutoff, cutoff)).toBe(false);
  });

  it('refuses it 1 ms after the cutoff', () => {
    expect(userMayRefund(new Date(cutoff.getTime() + 1), cutoff)).toBe(false);
  });
});
