import { JsonClient, JsonResponse, percentile } from '../support/load';
import { Scenario } from '../support/runner';

const USERS = 32;

/**
 * 32 users, each looping hold → paying → confirm (mock provider, approve) on fresh seats until the time is
 * up. A checkout counts when confirm answers CONFIRMED; its latency is the whole three-call flow.
 */
export const checkout: Scenario = {
  name: 'checkout',
  async run(ctx) {
    const { app, seeded, tokens } = await ctx.startService({ checkout: 1500 * ctx.args.duration });
    const seats = seeded.options.checkout;
    const client = new JsonClient(app.url, USERS);
    const latencies: number[] = [];
    const failures: string[] = [];
    let nextSeat = seats.first;
    const cpuBefore = app.cpuMs();
    const started = performance.now();
    const deadline = started + ctx.args.duration * 1000;
    /** One call of the flow: its response if it is the expected one, else undefined and a failure kept. */
    const step = async (path: string, token: string, body: unknown, ok: (r: JsonResponse) => boolean) => {
      const r = await client.post(`/api/reservations/v7/${path}`, token, body);
      if (ok(r)) return r;
      failures.push(`${path} ${r.status} ${JSON.stringify(r.body)}`);
      return undefined;
    };
    const confirmed = (r: JsonResponse) =>
      r.status === 200 && (r.body as { status?: string }).status === 'CONFIRMED';
    const user = async (token: string) => {
      while (performance.now() < deadline && nextSeat <= seats.last) {
        const t0 = performance.now();
        const hold = await step('holds', token, { seatId: nextSeat++ }, (r) => r.status === 201);
        if (!hold) continue;
        const id = (hold.body as { id: number }).id;
        if (!(await step(`${id}/paying`, token, undefined, (r) => r.status === 200))) continue;
        if (!(await step(`${id}/confirm`, token, {}, confirmed))) continue;
        latencies.push(performance.now() - t0);
      }
    };
    let cpuMs: number;
    try {
      await Promise.all(tokens.slice(0, USERS).map(user));
      cpuMs = app.cpuMs() - cpuBefore;
    } finally {
      client.close();
      await app.stop();
    }
    const perSec = latencies.length / ((performance.now() - started) / 1000);
    const p99 = percentile(latencies, 99);
    ctx.log(`checkout: ${perSec.toFixed(0)}/s, p99 ${p99.toFixed(1)} ms, failures ${failures.length}`);
    if (failures.length) ctx.note(`checkout: first failure ${failures[0]}`);
    return [
      {
        scenario: 'checkout',
        metric: 'checkouts/s',
        service: perSec,
        note: `${USERS} users, hold → paying → confirm (mock); ${failures.length} failures`,
      },
      { scenario: 'checkout', metric: 'p99 ms', service: p99, note: 'whole 3-call flow' },
      {
        scenario: 'checkout',
        metric: 'app CPU ms per checkout',
        service: cpuMs / Math.max(latencies.length, 1),
        note: 'user + system of the service process over the run, per CONFIRMED checkout (steadier than /s)',
      },
    ];
  },
};
