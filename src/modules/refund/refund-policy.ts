/**
 * The refund cutoff, as pure functions of UTC instants. A user may refund strictly before
 * `concertDate − REFUND_CUTOFF_HOURS`; from that instant on, only an admin override can.
 */
export function refundCutoffAt(concertDate: Date, cutoffHours: number): Date {
  return new Date(concertDate.getTime() - cutoffHours * 3600 * 1000);
}

export function userMayRefund(now: Date, cutoffAt: Date): boolean {
  return now.getTime() < cutoffAt.getTime();
}
