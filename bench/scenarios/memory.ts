import { setTimeout as sleep } from 'node:timers/promises';
import { startApp } from '../support/app-process';
import { Row } from '../support/report';
import { Scenario } from '../support/runner';

const STARTUP_RSS_AFTER_MS = 3_000;
const IDLE_AFTER_MS = 30_000;

/**
 * RSS of a freshly started service with no traffic, just after start-up and once idle: V8's memory reducer
 * hands the start-up garbage back only after some seconds of low allocation (seen here: ≈ 140 MB at 3 s,
 * 110–116 MB from 10–20 s on), so the idle figure is read 30 s after the app is ready. The peak is the
 * highest VmHWM of the service processes of the scenarios that ran before this one.
 */
export const memory: Scenario = {
  name: 'memory',
  async run(ctx) {
    const peakMb = Math.max(...ctx.services.map((s) => s.peakMbAtStop).filter(Number.isFinite));
    const app = await startApp({ entry: ctx.entry() });
    let startupMb: number, idleMb: number;
    try {
      await sleep(STARTUP_RSS_AFTER_MS);
      startupMb = app.memory().rssMb;
      await sleep(IDLE_AFTER_MS - STARTUP_RSS_AFTER_MS);
      idleMb = app.memory().rssMb;
    } finally {
      await app.stop();
    }
    ctx.log(`RSS ${startupMb.toFixed(0)} MB after start-up, ${idleMb.toFixed(0)} MB idle`);
    const rows: Row[] = [
      {
        scenario: 'memory',
        metric: 'RSS idle MB',
        service: idleMb,
        note: `target < 150 MB; ${IDLE_AFTER_MS / 1000} s after start, no traffic`,
      },
      {
        scenario: 'memory',
        metric: 'RSS after start-up MB',
        service: startupMb,
        note: `${STARTUP_RSS_AFTER_MS / 1000} s after start, before V8 gave the start-up garbage back`,
      },
    ];
    if (peakMb > 0) {
      const note = 'highest VmHWM of the service in the scenarios above (each on a process of its own)';
      rows.push({ scenario: 'memory', metric: 'RSS peak MB', service: peakMb, note });
    }
    return rows;
  },
};
