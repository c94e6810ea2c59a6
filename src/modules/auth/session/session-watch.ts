import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Principal } from '../../../common/auth/principal';
import { channelFor, REDIS_CLIENT, RedisClient, subscribeTo } from '../../../infra/redis/redis-client';
import { TokenDenylist } from './token-denylist';

const CHANNEL = 'checkout:sessions-revoked';

/**
 * Tells long-lived connections (socket.io, SSE) that their session was revoked (logout, or a reused
 * refresh token), on every instance: Redis pub/sub with REDIS_URL, this process only without. The
 * denylist stays the truth; a notice only makes a connection look again sooner than its token's expiry:
 * - a connection registered just after a revoke's notice went out checks the denylist once itself;
 * - after the subscriber reconnects (notices may have been missed), every watched session is checked.
 */
@Injectable()
export class SessionWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionWatch.name);
  private readonly instance = randomUUID();
  private readonly watchers = new Map<string, Set<() => void>>();
  private subscriber?: Redis;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly denylist: TokenDenylist,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis) return;
    // A (re)connect means notices may have been missed: every watched session is checked.
    const { subscriber, subscribed } = subscribeTo(this.redis, CHANNEL, {
      onMessage: (message) => this.receive(message),
      onReady: () => void this.recheckAll(),
    });
    this.subscriber = subscriber;
    await subscribed;
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  /**
   * Runs `onRevoked` once if the principal's session is revoked while watched; answers the function that
   * stops watching. A token without a session can only expire.
   */
  watch(principal: Principal, onRevoked: () => void): () => void {
    const familyId = principal.session?.familyId;
    if (!familyId) return () => undefined;
    let set = this.watchers.get(familyId);
    if (!set) this.watchers.set(familyId, (set = new Set()));
    const once = () => {
      unwatch();
      onRevoked();
    };
    const unwatch = () => {
      const current = this.watchers.get(familyId);
      current?.delete(once);
      if (current?.size === 0) this.watchers.delete(familyId);
    };
    set.add(once);
    // The caller checked the token before this registration; a revoke in between sent its notice too early.
    void this.denylist.isDenied(principal).then((denied) => denied && this.fire(familyId));
    return unwatch;
  }

  /** The family was revoked (already recorded in the denylist): ends its connections everywhere. */
  async revoked(familyId: string): Promise<void> {
    this.fire(familyId);
    if (!this.redis) return;
    try {
      await this.redis.publish(
        channelFor(this.redis, CHANNEL),
        JSON.stringify({ from: this.instance, familyId }),
      );
    } catch (err) {
      this.logger.warn(`session revocation notice not sent to other instances (${String(err)})`);
    }
  }

  private fire(familyId: string): void {
    for (const onRevoked of [...(this.watchers.get(familyId) ?? [])]) onRevoked();
  }

  private receive(message: string): void {
    let notice: { from?: unknown; familyId?: unknown };
    try {
      notice = JSON.parse(message) as typeof notice;
    } catch {
      return;
    }
    if (notice.from !== this.instance && typeof notice.familyId === 'string') this.fire(notice.familyId);
  }

  private async recheckAll(): Promise<void> {
    for (const familyId of [...this.watchers.keys()]) {
      if (await this.denylist.isFamilyDenied(familyId)) this.fire(familyId);
    }
  }
}
