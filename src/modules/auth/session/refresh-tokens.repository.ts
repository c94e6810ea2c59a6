import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../../database/sql';
import { inTransaction } from '../../../database/transaction';

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** A refresh token as the client holds it: `<row id>.<secret>` (32 random bytes, base64url). */
export const REFRESH_TOKEN_FORMAT = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/;

/**
 * How long an access token of a family the previous release started may live, at most (JWT_TTL_SECONDS'
 * ceiling): a revocation of such a family refuses its access tokens that long. Same rule as the migration.
 */
const PREVIOUS_RELEASE_ACCESS_TTL_SECONDS = 604800;

/** Only the secret's SHA-256 is stored. */
function parse(token: string): { id: number; secretHash: string } | undefined {
  const match = REFRESH_TOKEN_FORMAT.exec(token);
  return match ? { id: Number(match[1]), secretHash: hash(match[2]) } : undefined;
}

const newSecret = () => randomBytes(32).toString('base64url');

/** What one rotation needs to know besides the token: the new pair's expiries and the rate limit. */
export interface Rotation {
  now: Date;
  refreshExpiresAt: Date;
  accessExpiresAt: Date;
  /** At most `count` rotations of one family per `windowMs`; absent when rate limits are off. */
  limit?: { count: number; windowMs: number };
}

export type RotationResult =
  | { kind: 'rotated'; familyId: string; userId: number; refreshToken: string }
  /** Unknown, forged, expired, or of a revoked family. */
  | { kind: 'refused' }
  /** A spent token again: the family is revoked now; its access tokens live until `accessExpiresAt`. */
  | { kind: 'reused'; familyId: string; accessExpiresAt: Date }
  | { kind: 'limited'; retryAfterMs: number };

/**
 * refresh_token_families and refresh_tokens. A family (one login and its refreshes) is one row, and every
 * decision about it (rotate, detect a reuse, revoke) is taken under that row's lock, in one transaction: a
 * revoke either comes first, and the refresh issues nothing, or after, and it sees the refresh's new token
 * and the expiry of the refresh's access token. Each token is spent once; spending a spent one again is
 * how a stolen token shows itself.
 */
@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A new family and its first token, in one statement. */
  async start(
    familyId: string,
    userId: number,
    times: { refreshExpiresAt: Date; accessExpiresAt: Date },
  ): Promise<string> {
    const secret = newSecret();
    const row = await queryOne<{ id: string }>(
      this.dataSource,
      `WITH family AS (
         INSERT INTO refresh_token_families (id, user_id, expires_at, access_expires_at) VALUES ($1, $2, $3, $4)
         RETURNING id, user_id, expires_at)
       INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)
       SELECT id, user_id, $5, expires_at FROM family RETURNING id`,
      [familyId, userId, times.refreshExpiresAt, times.accessExpiresAt, hash(secret)],
    );
    return `${row!.id}.${secret}`;
  }

  /**
   * Spends a live token and issues its successor, or says why not. Under any concurrency a token is
   * spent once, a revoked family issues nothing, and the second of two spends of one token revokes the
   * family with the first spend's new token in it.
   */
  async rotate(token: string, rotation: Rotation): Promise<RotationResult> {
    const parsed = parse(token);
    if (!parsed) return { kind: 'refused' };
    return inTransaction(this.dataSource, async (em) => {
      // A token's family never changes, so the lookup may read it before the lock; everything after the
      // lock is read afresh (READ COMMITTED: each statement sees what committed before it started).
      const owner = await queryOne<{ familyId: string }>(
        em,
        `SELECT family_id AS "familyId" FROM refresh_tokens WHERE id = $1 AND token_hash = $2`,
        [parsed.id, parsed.secretHash],
      );
      if (!owner) return { kind: 'refused' };
      const family = await this.lockFamily(em, owner.familyId);
      if (!family || family.revoked) return { kind: 'refused' };
      const current = await queryOne<{ spent: boolean; expired: boolean; userId: number }>(
        em,
        `SELECT spent_at IS NOT NULL AS spent, expires_at <= $2 AS expired, user_id AS "userId"
           FROM refresh_tokens WHERE id = $1`,
        [parsed.id, rotation.now],
      );
      if (!current) return { kind: 'refused' }; // pruned between the two statements
      if (current.spent) {
        const accessExpiresAt = await this.revokeLocked(em, owner.familyId, rotation.now);
        return { kind: 'reused', familyId: owner.familyId, accessExpiresAt: accessExpiresAt! };
      }
      if (current.expired) return { kind: 'refused' };
      if (rotation.limit) {
        const retryAfterMs = await this.limitedFor(em, owner.familyId, rotation.now, rotation.limit);
        if (retryAfterMs !== undefined) return { kind: 'limited', retryAfterMs };
      }
      const secret = newSecret();
      const next = await queryOne<{ id: string }>(
        em,
        `WITH spent AS (UPDATE refresh_tokens SET spent_at = $3 WHERE id = $1),
              family AS (
                UPDATE refresh_token_families
                   SET expires_at = $4, access_expires_at = GREATEST(access_expires_at, $5)
                 WHERE id = $2)
         INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)
         VALUES ($2, $6, $7, $4) RETURNING id`,
        [
          parsed.id,
          owner.familyId,
          rotation.now,
          rotation.refreshExpiresAt,
          rotation.accessExpiresAt,
          current.userId,
          hash(secret),
        ],
      );
      return {
        kind: 'rotated',
        familyId: owner.familyId,
        userId: current.userId,
        refreshToken: `${next!.id}.${secret}`,
      };
    });
  }

  /**
   * Revokes the family (it issues nothing from now on, whatever is in flight) and answers until when its
   * access tokens can live; undefined if the family is gone (pruned once nothing of it could live).
   */
  async revokeFamily(familyId: string, now: Date): Promise<Date | undefined> {
    return inTransaction(this.dataSource, async (em) => {
      await this.lockFamily(em, familyId);
      return this.revokeLocked(em, familyId, now);
    });
  }

  /**
   * Deletes at most `batch` token rows that can never be accepted again: expired, spent before
   * `spentBefore`, or of a revoked family; then families with nothing alive (no refresh token valid, and
   * if revoked, no access token left to refuse). Answers how many token rows it deleted.
   */
  async prune(now: Date, spentBefore: Date, batch: number): Promise<number> {
    const tokens = await queryRows<{ id: string }>(
      this.dataSource,
      `DELETE FROM refresh_tokens WHERE id IN (
         SELECT id FROM refresh_tokens WHERE expires_at <= $1 OR spent_at < $2
         UNION ALL
         SELECT t.id FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id
          WHERE f.revoked_at IS NOT NULL
         UNION ALL
         SELECT id FROM refresh_tokens WHERE revoked_at IS NOT NULL -- revoked by the previous release
         LIMIT $3)
       RETURNING id`,
      [now, spentBefore, batch],
    );
    await this.dataSource.query(
      `DELETE FROM refresh_token_families WHERE id IN (
         SELECT id FROM refresh_token_families WHERE expires_at <= $1 AND access_expires_at <= $1
         UNION ALL
         SELECT id FROM refresh_token_families WHERE revoked_at IS NOT NULL AND access_expires_at <= $1
         LIMIT $2)`,
      [now, batch],
    );
    return tokens.length;
  }

  /**
   * Locks the family's row and answers whether it is revoked. While the previous release may still run
   * beside this one (migration RefreshTokenFamilies is an expand step), a family it started has no row
   * yet: the row is created here from the family's tokens first (a concurrent creator's row wins, ON
   * CONFLICT DO NOTHING, and the lock then waits for it). A family that has its row, the usual case,
   * skips reading its tokens for that. A revocation by the previous release marks the
   * tokens (refresh_tokens.revoked_at), so that counts as revoked too.
   */
  private async lockFamily(em: EntityManager, familyId: string): Promise<{ revoked: boolean } | undefined> {
    await em.query(
      `INSERT INTO refresh_token_families (id, user_id, created_at, expires_at, access_expires_at, revoked_at)
       SELECT family_id, min(user_id), min(issued_at), max(expires_at),
              max(issued_at) + interval '${PREVIOUS_RELEASE_ACCESS_TTL_SECONDS} seconds', max(revoked_at)
         FROM refresh_tokens
        WHERE family_id = $1 AND NOT EXISTS (SELECT 1 FROM refresh_token_families WHERE id = $1)
        GROUP BY family_id
       ON CONFLICT (id) DO NOTHING`,
      [familyId],
    );
    return queryOne<{ revoked: boolean }>(
      em,
      `SELECT revoked_at IS NOT NULL
              OR EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NOT NULL) AS revoked
         FROM refresh_token_families WHERE id = $1 FOR UPDATE`,
      [familyId],
    );
  }

  /**
   * Marks the family's tokens as well as its row: an instance of the previous release, which checks
   * only refresh_tokens.revoked_at, then refuses them too during a rolling restart.
   */
  private async revokeLocked(em: EntityManager, familyId: string, now: Date): Promise<Date | undefined> {
    const row = await queryOne<{ accessExpiresAt: Date }>(
      em,
      `WITH tokens AS (
         UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL)
       UPDATE refresh_token_families SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1
       RETURNING access_expires_at AS "accessExpiresAt"`,
      [familyId, now],
    );
    return row?.accessExpiresAt;
  }

  /** How long until the family may rotate again, if it has already rotated `count` times in the window. */
  private async limitedFor(
    em: EntityManager,
    familyId: string,
    now: Date,
    limit: { count: number; windowMs: number },
  ): Promise<number | undefined> {
    const windowStart = new Date(now.getTime() - limit.windowMs);
    const oldest = await queryOne<{ spentAt: Date }>(
      em,
      `SELECT spent_at AS "spentAt" FROM refresh_tokens WHERE family_id = $1 AND spent_at > $2
        ORDER BY spent_at DESC OFFSET $3 LIMIT 1`,
      [familyId, windowStart, limit.count - 1],
    );
    return oldest ? oldest.spentAt.getTime() + limit.windowMs - now.getTime() : undefined;
  }
}
