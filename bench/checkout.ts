import type { ServerProcess } from './support/app-process';
import { SeatRange } from './support/bench-db';
import { JsonClient, percentile } from './support/load';

export const CHECKOUT_USERS = 32;

export interface CheckoutResult {
  checkoutsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  completed: number;
  failures: number;
  firstFailure?: string;
}

/**
 * 32 users, each looping hold → paying → confirm (mock provider, approve) on fresh seats until the time
 * is up. A checkout counts when confirm answers CONFIRMED; its latency is the whole three-call flow.
 */
export async function checkout(
  app: ServerProcess,
  seats: SeatRange,
  tokens: string[],
  durationSec: number,
): Promise<CheckoutResult> {
  const client = new JsonClient(app.url, CHECKOUT_USERS);
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let nextSeat = seats.first;
  const fail = (what: string) => {
    failures++;
    firstFailure ??= what;
  };
  const started = performance.now();
  const deadline = started + durationSec * 1000;
  const user = async (token: string) => {
    while (performance.now() < deadline && nextSeat <= seats.last) {
      const t0 = performance.now();
      const hold = await client.post('/api/reservations/v7/holds', token, { seatId: nextSeat++ });
      if (hold.status !== 201) {
        fail(`hold ${hold.status} ${JSON.stringify(hold.body)}`);
        continue;
      }
      const id = (hold.body as { id: number }).id;
      const paying = await client.post(`/api/reservations/v7/${id}/paying`, token);
      if (paying.status !== 200) {
        fail(`paying ${paying.status} ${JSON.stringify(paying.body)}`);
        continue;
      }
      const confirm = await client.post(`/api/reservations/v7/${id}/confirm`, token, {});
      if (confirm.status !== 200 || (confirm.body as { status?: string }).status !== 'CONFIRMED') {
        fail(`confirm ${confirm.status} ${JSON.stringify(confirm.body)}`);
        continue;
      }
      latencies.push(performance.now() - t0);
    }
  };
  try {
    await Promise.all(tokens.slice(0, CHECKOUT_USERS).map(user));
  } finally {
    client.close();
  }
  const elapsedSec = (performance.now() - started) / 1000;
  return {
    checkoutsPerSec: latencies.length / elapsedSec,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    completed: latencies.length,
    failures,
    firstFailure,
  };
}
