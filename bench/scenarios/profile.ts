import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { profilerPreload, topSelfTime } from '../support/cpu-profile';
import { Scenario } from '../support/runner';
import { holdLoad } from './hold';

const PROFILE_SEC = 6;

/** A CPU profile of the service during POST /holds (start-up left out), summarised by self time. */
export const profile: Scenario = {
  name: 'profile',
  flag: 'profile',
  async run(ctx) {
    const { preload, profilePath } = profilerPreload();
    const { app, seeded, tokens } = await ctx.startService(
      { profile: 6000 * (PROFILE_SEC + 3) },
      { nodeArgs: ['-r', preload], env: { BENCH_CPU_PROFILE: profilePath } },
    );
    try {
      process.kill(app.pid, 'SIGUSR2');
      await sleep(500);
      const load = await holdLoad(app, seeded.options.profile, tokens, PROFILE_SEC);
      process.kill(app.pid, 'SIGUSR2');
      const deadline = Date.now() + 15_000;
      while (!existsSync(profilePath) && Date.now() < deadline) await sleep(200);
      const { functions, areas } = topSelfTime(profilePath, 15);
      ctx.note(
        [
          `CPU profile of the app during ${PROFILE_SEC} s of POST /holds (${load.okPerSec.toFixed(0)} holds/s under the profiler): ${profilePath}`,
          'top self time by function:',
          ...functions.map((f) => `  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`),
          'self time by package/area:',
          ...areas.map((a) => `  ${a.selfPct.toFixed(1).padStart(5)}%  ${a.name}`),
        ].join('\n'),
      );
      return [];
    } finally {
      await app.stop();
    }
  },
};
