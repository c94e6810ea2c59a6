import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { profilerPreload, topSelfTime } from '../support/cpu-profile';
import { Scenario } from '../support/runner';
import { CLOSED_ROOM, RoomBench } from './waiting-room-setup';

const WARM_UP_JOINS = 1000;
const PROFILED_JOINS = 10_000;

/** A CPU profile of the service during POST /api/v1/waiting-queue/join (start-up left out), by self time. */
export const waitingRoomJoinProfile: Scenario = {
  name: 'waiting-room-join-profile',
  flag: 'profile',
  async run(ctx) {
    const { preload, profilePath } = profilerPreload();
    const room = await RoomBench.start(ctx, {
      fans: WARM_UP_JOINS + PROFILED_JOINS,
      app: { nodeArgs: ['-r', preload], env: { BENCH_CPU_PROFILE: profilePath } },
    });
    try {
      const concertId = room.concertIds[0];
      await room.configure(concertId, CLOSED_ROOM);
      await room.joinLoad(concertId, 0, WARM_UP_JOINS);
      process.kill(room.app.pid, 'SIGUSR2');
      await sleep(500);
      const load = await room.joinLoad(concertId, WARM_UP_JOINS, PROFILED_JOINS);
      process.kill(room.app.pid, 'SIGUSR2');
      const deadline = Date.now() + 15_000;
      while (!existsSync(profilePath) && Date.now() < deadline) await sleep(200);
      const { functions, areas } = topSelfTime(profilePath, 25);
      ctx.note(
        [
          `CPU profile of the app during ${PROFILED_JOINS} joins (${load.okPerSec.toFixed(0)} joins/s under the profiler): ${profilePath}`,
          'top self time by function:',
          ...functions.map((f) => `  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`),
          'self time by package/area:',
          ...areas.map((a) => `  ${a.selfPct.toFixed(1).padStart(5)}%  ${a.name}`),
        ].join('\n'),
      );
      return [];
    } finally {
      await room.stop();
    }
  },
};
