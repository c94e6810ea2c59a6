/**
 * The refund cutoff rule, a pure function of UTC instants. A user may refund strictly before the
 * reservation's `refundCutoffAt` (concertDate − REFUND_CUTOFF_HOURS, see reservation-state.ts); from that
 * instant on, only an admin override can.
 */
export function userMayRefund(now: Date, cutoffAt: Date): boolean {
  return now.getTime() < cutoffAt.getTime();
}
