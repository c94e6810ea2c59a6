import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import pLimit from 'p-limit';
import { AppConfig } from '../../config/app-config';
import { Metrics } from '../../infra/metrics/metrics.service';
import { RateLimitedException } from './rate-limit/rate-limit.guard';

const COST = 10;
/** Marks a hash of the pre-hashed password (see prehash); hashes without it are bcrypt of the password. */
const PREHASHED = 'sha256:';

/**
 * bcrypt reads only the first 72 bytes of its input, and the contract allows 128-character passwords:
 * two passwords sharing their first 72 bytes would both match. bcrypt gets the password's SHA-256
 * digest instead (44 base64 characters, no NUL), so every byte counts.
 */
const prehash = (password: string) => createHash('sha256').update(password, 'utf8').digest('base64');

/** Compared against when the username does not exist, so login takes as long either way. */
const DUMMY_HASH = PREHASHED + bcrypt.hashSync(prehash('timing-equalizer'), COST);

/** bcrypt runs on libuv's thread pool (4 threads): more at once only queues inside it. */
const CONCURRENT_HASHES = 4;
/**
 * Hashes waiting their turn (about 60 ms of CPU each: a full queue is about two seconds of work on two
 * cores). Beyond this a login or sign-up answers 429 at once instead of slowing every login down.
 */
const MAX_WAITING_HASHES = 64;

/**
 * Password hashing and checking, through a bounded queue: bcrypt is deliberately slow, so a flood of
 * logins with made-up usernames (each a full check, see DUMMY_HASH) must not starve real ones.
 * RATE_LIMIT_ENABLED=false removes the bound (the queue still orders the work).
 */
@Injectable()
export class PasswordHasher {
  private readonly queue = pLimit(CONCURRENT_HASHES);

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  hash(password: string): Promise<string> {
    return this.inTurn(async () => PREHASHED + (await bcrypt.hash(prehash(password), COST)));
  }

  async verify(password: string, hash: string | undefined): Promise<boolean> {
    const stored = hash ?? DUMMY_HASH;
    const ok = await this.inTurn(
      () =>
        stored.startsWith(PREHASHED)
          ? bcrypt.compare(prehash(password), stored.slice(PREHASHED.length))
          : bcrypt.compare(password, stored), // written before pre-hashing: still verifies
    );
    return ok && hash !== undefined;
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    if (this.config.rateLimitEnabled && this.queue.pendingCount >= MAX_WAITING_HASHES) {
      this.metrics.rateLimited.inc({ limit: 'password-hashing' });
      return Promise.reject(new RateLimitedException(1));
    }
    return this.queue(work);
  }
}
