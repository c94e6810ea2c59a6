import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { signWebhook } from '../../src/modules/checkout/webhook/webhook-signature';

/** One simulated customer's knobs: mostly honest buyers, some who walk away, decline, wait or refund. */
export interface SoakTarget {
  url: string;
  webhookSecret: string;
  optionId: number;
  holdTtlMs: number;
  deadline: number;
}

export class SoakStats {
  readonly byCall = new Map<string, number>();
  readonly webhookResults = new Map<string, number>();
  readonly latencies: number[] = [];
  readonly lateWebhooks: Promise<void>[] = [];

  count(call: string, status: number): void {
    const key = `${call} ${status}`;
    this.byCall.set(key, (this.byCall.get(key) ?? 0) + 1);
  }

  serverErrors(): number {
    return [...this.byCall].filter(([k]) => / 5\d\d$/.test(k)).reduce((n, [, v]) => n + v, 0);
  }
}

const pick = <T>(weights: [T, number][]): T => {
  let r = Math.random() * weights.reduce((n, [, w]) => n + w, 0);
  for (const [value, w] of weights) if ((r -= w) < 0) return value;
  return weights[0][0];
};

/** Loops one customer until the deadline: hold → paying → confirm with a random outcome → maybe refund. */
export async function customer(target: SoakTarget, token: string, stats: SoakStats): Promise<void> {
  const call = async (name: string, method: string, path: string, body?: unknown) => {
    const started = performance.now();
    const res = await fetch(target.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    stats.latencies.push(performance.now() - started);
    stats.count(name, res.status);
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const base = '/api/reservations/v7';
  while (Date.now() < target.deadline) {
    // Pick among the seats the catalog shows AVAILABLE (as a seat map would), so holds mostly race on
    // free seats instead of hammering sold ones.
    const free = await call('seats', 'GET', `/api/concerts/options/${target.optionId}/seats`);
    const seats = Array.isArray(free.body) ? (free.body as { id: number }[]) : [];
    if (seats.length === 0) {
      // Sold out: give one of this customer's tickets back, so a long run keeps cycling seats.
      const mine = await call('mine', 'GET', `${base}/me?status=CONFIRMED`);
      const tickets = Array.isArray(mine.body) ? (mine.body as { id: number }[]) : [];
      if (tickets.length) await call('refund(sold out)', 'POST', `${base}/${tickets[0].id}/refund`);
      await sleep(50);
      continue;
    }
    const seatId = seats[Math.floor(Math.random() * seats.length)].id;
    const held = await call('hold', 'POST', `${base}/holds`, { seatId });
    await sleep(Math.random() * 30);
    if (held.status !== 201) continue;
    const id = held.body.id as number;
    if (Math.random() < 0.15) continue; // walks away: the hold expires
    if ((await call('paying', 'POST', `${base}/${id}/paying`)).status !== 200) continue;
    if (Math.random() < 0.08) {
      await call('cancel', 'POST', `${base}/${id}/cancel`);
      continue;
    }
    let outcome = pick<string>([
      ['approve', 5],
      ['decline', 2.5],
      ['pending', 2.5],
    ]);
    let confirmed = await call(`confirm(${outcome})`, 'POST', `${base}/${id}/confirm`, {
      mockOutcome: outcome,
    });
    if (confirmed.body.paymentStatus === 'FAILED' && Math.random() < 0.5) {
      outcome = 'approve';
      confirmed = await call('confirm(retry)', 'POST', `${base}/${id}/confirm`, { mockOutcome: outcome });
    }
    if (confirmed.body.paymentStatus === 'PENDING') {
      // The PG answers late: sometimes well after the hold has expired (then it must be refunded).
      const delay = Math.random() * (target.holdTtlMs + 4000);
      stats.lateWebhooks.push(lateWebhook(target, stats, confirmed.body, delay));
    }
    // Many tickets come back (refund), so seats keep cycling through a long run.
    if (confirmed.body.status === 'CONFIRMED' && Math.random() < 0.6) {
      await call('refund', 'POST', `${base}/${id}/refund`);
    }
  }
}

async function lateWebhook(
  target: SoakTarget,
  stats: SoakStats,
  r: Record<string, unknown>,
  delayMs: number,
) {
  await sleep(delayMs);
  const approved = Math.random() < 0.75;
  const body = JSON.stringify({
    providerEventId: `soak-${randomUUID()}`,
    eventType: 'PAYMENT',
    status: approved ? 'APPROVED' : 'FAILED',
    reservationId: r.id,
    paymentTransactionId: r.paymentTransactionId,
    amount: r.amount,
    ...(approved ? {} : { failureReason: 'SOAK_DECLINED' }),
  });
  // Some deliveries are repeated, as PGs do: the second must be a harmless duplicate.
  for (let i = 0; i < (Math.random() < 0.1 ? 2 : 1); i++) {
    const res = await fetch(`${target.url}/api/payments/webhooks/pg-ready`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-PG-Signature': signWebhook(target.webhookSecret, body, Math.floor(Date.now() / 1000)),
      },
      body,
    });
    const answer = (await res.json().catch(() => ({}))) as { result?: string; duplicate?: boolean };
    stats.count('webhook', res.status);
    const result = answer.duplicate ? 'DUPLICATE' : (answer.result ?? `HTTP ${res.status}`);
    stats.webhookResults.set(result, (stats.webhookResults.get(result) ?? 0) + 1);
  }
}
