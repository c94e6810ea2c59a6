import autocannon from 'autocannon';
import Redis from 'ioredis';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppOptions, ServerProcess, startApp } from '../support/app-process';
import { recreateBenchDatabase, REDIS_URLS, SeatRange, withBenchClient } from '../support/bench-db';
import { cannon, JsonClient, LoadResult } from '../support/load';
import { BenchContext } from '../support/runner';
import { sessionTokens } from '../support/tokens';
import { roomKeys } from '../../src/modules/admission/waiting-room/redis-room-store';

/** HTTP connections of the join loads: the hold and trivial-route scenarios use the same. */
export const JOIN_CONNECTIONS = 64;
/** A room that admits (almost) nobody: what a join costs with the queue growing, nothing else moving. */
export const CLOSED_ROOM: RoomBody = {
  enabled: true,
  admissionPerMinute: 1,
  maxActiveUsers: 1,
  activeTtlSeconds: 3600,
};

export interface RoomBody {
  enabled: boolean;
  admissionPerMinute: number;
  maxActiveUsers: number;
  activeTtlSeconds?: number;
  opensAt?: string;
}

/** GET /api/concerts/{id}/waiting-room. */
export interface RoomView extends Required<Omit<RoomBody, 'opensAt'>> {
  concertId: number;
  opensAt: string | null;
  waitingCount: number;
  activeCount: number;
}

/** The contract's QueueStatus. */
export interface QueueStatus {
  userId: number;
  concertId: number;
  status: 'WAITING' | 'ACTIVE' | 'NONE';
  rank: number | null;
  waitingCount: number;
  estimatedWaitSeconds: number | null;
  activeExpiresAt: string | null;
}

/** One admission tick as the room records it (its history list, newest first in Redis). */
export interface TickSample {
  /** `now` of the tick (the service's Date.now(): the same machine's clock as the bench's). */
  atMs: number;
  waiting: number;
  active: number;
  /** Fans admitted since the room was first enabled. */
  admittedTotal: number;
}

/** The room's Redis keys by role, as the service names them (pre, queue, active, …, meta, history). */
function keysOf(concertId: number) {
  const all = roomKeys(concertId);
  return { queue: all[1], active: all[2], meta: all[6], history: all[7], all };
}

let database: Promise<string> | undefined;

/**
 * The service (built from src/, a child process) on the waiting-room benchmark's own database and Redis
 * index, both emptied first, with `concerts` concerts (the first with the options of `seats`), `fans`
 * users besides the runner's 1,000 (their session tokens minted here) and an admin token.
 */
export class RoomBench {
  readonly client: JsonClient;
  /** Responses with a 5xx status or no response at all, over every call made through `call`. */
  serverErrors = 0;
  transportErrors = 0;

  private constructor(
    private readonly ctx: BenchContext,
    readonly app: ServerProcess,
    /** The service's JSON log (warnings and errors). */
    readonly logFile: string,
    readonly databaseUrl: string,
    readonly concertIds: number[],
    readonly seats: Record<string, SeatRange>,
    readonly fanIds: number[],
    readonly tokens: string[],
    private readonly adminToken: string,
    readonly redis: Redis,
    maxSockets: number,
  ) {
    this.client = new JsonClient(app.url, maxSockets);
  }

  static async start(
    ctx: BenchContext,
    setup: {
      fans: number;
      seats?: Record<string, number>;
      concerts?: number;
      maxSockets?: number;
      /** Extra node flags, environment or a log file of the service (e.g. a profiler preload). */
      app?: Omit<Partial<AppOptions>, 'entry'>;
    },
  ): Promise<RoomBench> {
    const url = await (database ??= recreateBenchDatabase('waitingRoom'));
    const seeded = await ctx.seed(setup.seats ?? {}, url);
    const { fanIds, concertIds } = await withBenchClient(async (db) => {
      const fans = await db.query<{ id: number }>(
        `INSERT INTO users (username, password_hash)
         SELECT 'fan' || g, 'not-a-bcrypt-hash' FROM generate_series(1, $1::int) g RETURNING id`,
        [setup.fans],
      );
      const concerts = await db.query<{ id: number }>(
        `INSERT INTO concerts (title, artist_name)
         SELECT 'Bench concert ' || g, 'Bench' FROM generate_series(2, $1::int) g RETURNING id`,
        [setup.concerts ?? 1],
      );
      await db.query(`UPDATE users SET role = 'ADMIN' WHERE id = $1`, [seeded.userIds[0]]);
      await db.query('VACUUM ANALYZE users');
      const first = await db.query<{ id: number }>(`SELECT min(id)::int AS id FROM concerts`);
      return {
        fanIds: fans.rows.map((r) => r.id),
        concertIds: [first.rows[0].id, ...concerts.rows.map((r) => r.id)],
      };
    }, url);
    const redis = new Redis(REDIS_URLS.waitingRoom, { lazyConnect: true });
    await redis.connect();
    await redis.flushdb();
    const tokens = sessionTokens(fanIds);
    const logFile = join(mkdtempSync(join(tmpdir(), 'bench-room-')), 'service.log');
    let app: ServerProcess;
    try {
      app = await startApp({
        logFile,
        ...setup.app,
        entry: ctx.entry(),
        env: { DATABASE_URL: url, REDIS_URL: REDIS_URLS.waitingRoom, ...setup.app?.env },
      });
    } catch (err) {
      redis.disconnect();
      throw err;
    }
    const [admin] = sessionTokens([seeded.userIds[0]], 'ADMIN');
    return new RoomBench(
      ctx,
      app,
      logFile,
      url,
      concertIds,
      seeded.options,
      fanIds,
      tokens,
      admin,
      redis,
      setup.maxSockets ?? 256,
    );
  }

  /** A call through `client` (default: this one); 5xx and transport errors are counted, never thrown. */
  async call(method: string, path: string, token: string, body?: unknown, client = this.client) {
    try {
      const r = await client.request(method, path, token, body);
      if (r.status >= 500) this.serverErrors++;
      return r;
    } catch (err) {
      this.transportErrors++;
      return { status: 0, body: String(err) };
    }
  }

  /** PUT /api/admin/concerts/{id}/waiting-room, as an admin: every instance applies it at once. */
  async configure(concertId: number, room: RoomBody): Promise<RoomView> {
    const r = await this.client.request(
      'PUT',
      `/api/admin/concerts/${concertId}/waiting-room`,
      this.adminToken,
      room,
    );
    if (r.status !== 200) throw new Error(`PUT waiting-room: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as RoomView;
  }

  async view(concertId: number): Promise<RoomView> {
    const r = await this.client.request('GET', `/api/concerts/${concertId}/waiting-room`, '');
    if (r.status !== 200) throw new Error(`GET waiting-room: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as RoomView;
  }

  /**
   * The room's ticks, oldest first, read from its own history in Redis (the last ten minutes): read, never
   * written, so the service's figures are taken as it records them, with no polling.
   */
  async ticks(concertId: number): Promise<TickSample[]> {
    const entries = await this.redis.lrange(keysOf(concertId).history, 0, -1);
    return entries.reverse().map((entry) => {
      const [atMs, waiting, active, admittedTotal] = entry.split(':').map(Number);
      return { atMs, waiting, active, admittedTotal };
    });
  }

  /** ZCARD of the room's ACTIVE set, right now. */
  activeCount(concertId: number): Promise<number> {
    return this.redis.zcard(keysOf(concertId).active);
  }

  /** The fans in the room's queue and in its ACTIVE set (user ids). */
  async members(concertId: number): Promise<{ queued: Set<number>; active: number[] }> {
    const keys = keysOf(concertId);
    const [queued, active] = await Promise.all([
      this.redis.zrange(keys.queue, 0, -1),
      this.redis.zrange(keys.active, 0, -1),
    ]);
    return { queued: new Set(queued.map(Number)), active: active.map(Number) };
  }

  /** The room's own total of admissions (meta `admitted`, one HINCRBY per tick). */
  async admittedTotal(concertId: number): Promise<number> {
    return Number((await this.redis.hget(keysOf(concertId).meta, 'admitted')) ?? 0);
  }

  /** Members of the room's ACTIVE set (admitted fans' user ids). */
  async activeFans(concertId: number): Promise<number[]> {
    return (await this.redis.zrange(keysOf(concertId).active, 0, -1)).map(Number);
  }

  /** Bytes Redis holds for the room's keys (MEMORY USAGE, every element counted). */
  async roomBytes(concertId: number): Promise<number> {
    let total = 0;
    for (const key of keysOf(concertId).all) {
      total += Number((await this.redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
    }
    return total;
  }

  /** used_memory of the whole Redis server (INFO memory): other databases' changes show in it too. */
  async redisUsedMemory(): Promise<number> {
    const info = await this.redis.info('memory');
    return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
  }

  /**
   * POST /api/v1/waiting-queue/join for fans[from], fans[from + 1], … (`count` of them, each once: a
   * repeated join is cheaper and would flatter the figure) over `connections` keep-alive connections.
   */
  joinLoad(
    concertId: number,
    from: number,
    count: number,
    connections = JOIN_CONNECTIONS,
  ): Promise<LoadResult> {
    if (from + count > this.tokens.length) throw new Error(`only ${this.tokens.length} fans seeded`);
    let next = from;
    const body = JSON.stringify({ concertId });
    const requests: autocannon.Request[] = [
      {
        method: 'POST',
        path: '/api/v1/waiting-queue/join',
        setupRequest: (req) => ({
          ...req,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${this.tokens[Math.min(next++, from + count - 1)]}`,
          },
          body,
        }),
      },
    ];
    return cannon({ url: this.app.url, connections, amount: count, requests });
  }

  /**
   * The service's event-loop delay since the last call, from its /metrics (prom-client's histogram, reset
   * at every scrape): how long a ready callback waited for the loop, CPU shortage on the machine included.
   */
  async eventLoopDelay(): Promise<{ p50Ms: number; p99Ms: number; maxMs: number }> {
    const text = await (await fetch(`${this.app.url}/metrics`)).text();
    const ms = (name: string) =>
      1000 * Number(new RegExp(`^nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { p50Ms: ms('p50'), p99Ms: ms('p99'), maxMs: ms('max') };
  }

  /**
   * Warnings and errors in the service's log so far, the first error's message, and the most frequent
   * warning and error messages with their counts (`top`, 'none' when there are none).
   */
  logSummary(): { warnings: number; errors: number; firstError?: string; top: string } {
    let warnings = 0;
    let errors = 0;
    let firstError: string | undefined;
    const messages = new Map<string, number>();
    const text = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
    for (const line of text.split('\n').filter(Boolean)) {
      let entry: { level?: number; msg?: string; err?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if ((entry.level ?? 0) >= 50) {
        errors++;
        firstError ??= `${entry.msg ?? ''} ${JSON.stringify(entry.err ?? '')}`.slice(0, 400);
      } else if (entry.level === 40) warnings++;
      else continue;
      const err = entry.err as { message?: string } | string | undefined;
      const detail = typeof err === 'string' ? err : err?.message;
      const key = `${entry.level === 40 ? 'warn' : 'error'} "${entry.msg ?? ''}"${detail ? ` (${detail.slice(0, 80)})` : ''}`;
      messages.set(key, (messages.get(key) ?? 0) + 1);
    }
    const top =
      [...messages.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ') || 'none';
    return { warnings, errors, firstError, top };
  }

  /** Stops the service; a log with warnings or errors is kept and named in a note, an empty one removed. */
  async stop(): Promise<void> {
    this.client.close();
    this.redis.disconnect();
    await this.app.stop();
    const { warnings, errors, firstError } = this.logSummary();
    if (warnings || errors)
      this.ctx.note(
        `waiting room: the service logged ${errors} errors and ${warnings} warnings (${this.logFile})` +
          (firstError ? `; first error: ${firstError}` : ''),
      );
    else rmSync(dirname(this.logFile), { recursive: true, force: true });
  }
}

export const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

export const statusList = (r: LoadResult) =>
  Object.entries(r.statusCodes)
    .map(([code, n]) => `${code}:${n}`)
    .join(' ');
