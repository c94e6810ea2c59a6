import { randomUUID } from 'node:crypto';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type Redis from 'ioredis';
import type { Principal } from '../../src/common/auth/principal';
import { createRedisClient } from '../../src/infra/redis/redis-client';
import { RoomSignals, RoomTicked } from '../../src/modules/admission/waiting-room/room-signals';
import { SessionWatch } from '../../src/modules/auth/session/session-watch';
import { TokenDenylist } from '../../src/modules/auth/session/token-denylist';
import { TEST_REDIS_DB } from '../support/test-env';
import { until } from '../support/wait';

/** Another index than this worker's. Clients there only subscribe and read: nothing is written to it. */
const OTHER_DB = TEST_REDIS_DB === 15 ? 14 : TEST_REDIS_DB + 1;
const redisAt = async (db: number): Promise<Redis> => {
  const redis = createRedisClient(`redis://127.0.0.1:6379/${db}`);
  await redis.connect();
  return redis;
};

/**
 * Redis pub/sub channels are global to the server, not per database index: instances on different indices
 * (two deployments, or two jest workers on one Redis) must not hear each other's notices.
 */
describe('pub/sub notices stay within their Redis database index', () => {
  const clients: Redis[] = [];
  const stops: (() => unknown)[] = [];
  const client = async (db: number) => {
    const redis = await redisAt(db);
    clients.push(redis);
    return redis;
  };
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    for (const redis of clients.splice(0)) redis.disconnect();
  });

  const sessionWatch = async (db: number) => {
    const redis = await client(db);
    const watch = new SessionWatch(redis, new TokenDenylist(redis));
    await watch.onApplicationBootstrap();
    stops.push(() => watch.onApplicationShutdown());
    return watch;
  };

  it('a revoked session closes streams on instances of its own index only', async () => {
    const familyId = randomUUID();
    const principal = {
      userId: 1,
      role: 'USER',
      expiresAtMs: Date.now() + 60_000,
      session: { tokenId: randomUUID(), familyId, expiresAtMs: Date.now() + 60_000 },
    } as Principal;
    const [revoker, sameIndex, otherIndex] = [
      await sessionWatch(TEST_REDIS_DB),
      await sessionWatch(TEST_REDIS_DB),
      await sessionWatch(OTHER_DB),
    ];
    const closed = { sameIndex: 0, otherIndex: 0 };
    sameIndex.watch(principal, () => closed.sameIndex++);
    otherIndex.watch(principal, () => closed.otherIndex++);

    await revoker.revoked(familyId);
    await until(async () => closed.sameIndex === 1, 5000, 'the notice on the same index');
    // A second notice on the same index arrives after the first: had the other index heard the first,
    // it would have by now (one connection delivers in order, and both subscribers share the server).
    const probe = randomUUID();
    let probed = false;
    sameIndex.watch(
      { ...principal, session: { ...principal.session!, familyId: probe } },
      () => (probed = true),
    );
    otherIndex.watch({ ...principal, session: { ...principal.session!, familyId: probe } }, () => undefined);
    await revoker.revoked(probe);
    await until(async () => probed, 5000, 'the second notice on the same index');
    expect(closed).toEqual({ sameIndex: 1, otherIndex: 0 });
  });

  it('a waiting room tick reaches instances of its own index only', async () => {
    const concertId = 1_000_000 + Math.floor(Math.random() * 1_000_000);
    const heard = { sameIndex: 0, otherIndex: 0 };
    const roomSignals = async (db: number, onTick?: (tick: RoomTicked) => void) => {
      const events = new EventEmitter2();
      if (onTick) events.on(RoomTicked.event, onTick);
      const signals = new RoomSignals(await client(db), events);
      await signals.onApplicationBootstrap();
      stops.push(() => signals.onApplicationShutdown());
      return signals;
    };
    const ticker = await roomSignals(TEST_REDIS_DB);
    await roomSignals(TEST_REDIS_DB, (tick) => tick.concertId === concertId && heard.sameIndex++);
    await roomSignals(OTHER_DB, (tick) => tick.concertId === concertId && heard.otherIndex++);

    const counts = { waitingCount: 1, activeCount: 0 };
    await ticker.ticked(concertId, counts);
    await until(async () => heard.sameIndex === 1, 5000, 'the tick on the same index');
    await ticker.ticked(concertId, counts);
    await until(async () => heard.sameIndex === 2, 5000, 'the second tick on the same index');
    expect(heard).toEqual({ sameIndex: 2, otherIndex: 0 });
  });
});
