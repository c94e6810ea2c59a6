import { profileDuring, profilerPreload } from '../support/cpu-profile';
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
      const what = `${PROFILE_SEC} s of POST /holds`;
      ctx.note(
        await profileDuring(app.pid, profilePath, what, () =>
          holdLoad(app, seeded.options.profile, tokens, PROFILE_SEC),
        ),
      );
      return [];
    } finally {
      await app.stop();
    }
  },
};
