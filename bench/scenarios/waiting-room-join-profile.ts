import { profileDuring, profilerPreload } from '../support/cpu-profile';
import { Scenario } from '../support/runner';
import { CLOSED_ROOM, RoomBench } from './waiting-room-setup';

const PROFILED_JOINS = 10_000;
/** As many as profiled, as the join benchmark warms up: the profile is of the join's steady state. */
const WARM_UP_JOINS = PROFILED_JOINS;

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
      const what = `${PROFILED_JOINS} joins by distinct fans`;
      ctx.note(
        await profileDuring(room.app.pid, profilePath, what, () =>
          room.joinLoad(concertId, WARM_UP_JOINS, PROFILED_JOINS),
        ),
      );
      return [];
    } finally {
      await room.stop();
    }
  },
};
