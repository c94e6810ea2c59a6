/**
 * One application instance for the expiry scenario (bench/scenarios/expiry.ts), run as a child process
 * (so two instances really compete on two event loops). It boots the real app (no HTTP listener), then on request queues hold ids through
 * the app's EXPIRY_QUEUE and reports, per expiry it committed, the lateness committedAt − holdExpiresAt,
 * plus its peak RSS. The configuration comes from the environment the parent sets, as for main.ts.
 */
import { INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/app-config';
import { EXPIRY_QUEUE, ExpiryQueue } from '../../src/modules/reservation/expiry/expiry-queue';
import { HoldsExpired } from '../../src/modules/reservation/expiry/hold-expiry.service';
import { OutboxRelay } from '../../src/infra/outbox/outbox-relay';

export type WorkerRequest =
  { cmd: 'add'; ids: number[]; dueMs: number[] } | { cmd: 'report' } | { cmd: 'stop' };

export interface WorkerReport {
  lateMs: number[];
  /** Per committed batch: rows, and its transaction time (committedAt − expiredAt). */
  batches: [number, number][];
  bySource: Record<string, number>;
  peakRssMb: number;
}

export type WorkerMessage = { type: 'ready' } | { type: 'added' } | ({ type: 'report' } & WorkerReport);

async function main(): Promise<void> {
  const app: INestApplication = await createApp(loadConfig());
  await app.init();
  // --relay=off: stop the outbox relay, to see the expiry path alone (it otherwise publishes the
  // 20,000 events of a run while the expiries are still being applied, as production would).
  if (process.env.BENCH_RELAY === 'off') await app.get(OutboxRelay).onModuleDestroy();
  const queue = app.get<ExpiryQueue>(EXPIRY_QUEUE);
  const empty = (): WorkerReport => ({ lateMs: [], batches: [], bySource: {}, peakRssMb: 0 });
  let report = empty();
  app.get(EventEmitter2).on(HoldsExpired.event, ({ holds: rows, info }: HoldsExpired) => {
    const { committedAt, expiredAt, source } = info;
    for (const row of rows) report.lateMs.push(committedAt.getTime() - row.holdExpiresAt.getTime());
    report.batches.push([rows.length, committedAt.getTime() - expiredAt.getTime()]);
    report.bySource[source] = (report.bySource[source] ?? 0) + rows.length;
  });
  const sampleRss = () => {
    report.peakRssMb = Math.max(report.peakRssMb, process.memoryUsage().rss / 2 ** 20);
  };
  const sampler = setInterval(sampleRss, 50);

  const send = (msg: WorkerMessage) => process.send!(msg);
  // If the parent dies, nothing will ever send 'stop': do not linger holding pool connections.
  process.on('disconnect', () => process.exit(1));
  process.on('message', (msg: WorkerRequest) => {
    void (async () => {
      if (msg.cmd === 'add') {
        // The way HoldService queues a hold after its commit: one add per hold, many in flight.
        for (let i = 0; i < msg.ids.length; i += 500) {
          const slice = msg.ids.slice(i, i + 500);
          await Promise.all(slice.map((id, j) => queue.add(id, new Date(msg.dueMs[i + j]))));
        }
        send({ type: 'added' });
      } else if (msg.cmd === 'report') {
        sampleRss();
        send({ type: 'report', ...report });
        report = empty();
      } else {
        clearInterval(sampler);
        await app.close();
        process.exit(0);
      }
    })();
  });
  send({ type: 'ready' });
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
