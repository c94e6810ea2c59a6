import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryOne } from '../../../database/sql';

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** A refresh token as the client holds it: `<row id>.<secret>` (32 random bytes, base64url). */
export const REFRESH_TOKEN_FORMAT = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/;

/** Only the secret's SHA-256 is stored. */
function parse(token: string): { id: number; secretHash: string } | undefined {
  const match = REFRESH_TOKEN_FORMAT.exec(token);
  return match ? { id: Number(match[1]), secretHash: hash(match[2]) } : undefined;
}

export interface SpentToken {
  familyId: string;
  userId: number;
}

/** refresh_tokens: each spent once; spending a spent one again is how a stolen token shows itself. */
@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  async issue(familyId: string, userId: number, expiresAt: Date): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    const row = await queryOne<{ id: string }>(
      this.dataSource,
      `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
      [familyId, userId, hash(secret), expiresAt],
    );
    return `${row!.id}.${secret}`;
  }

  /**
   * Spends a live token (unspent, unrevoked, unexpired), once under any concurrency: the update is
   * conditional. Otherwise tells whether the token was genuine but already spent (a reuse).
   */
  async spend(token: string, now: Date): Promise<{ spent: SpentToken } | { reused?: SpentToken }> {
    const parsed = parse(token);
    if (!parsed) return {};
    const spent = await queryOne<SpentToken>(
      this.dataSource,
      `UPDATE refresh_tokens SET spent_at = $3
        WHERE id = $1 AND token_hash = $2 AND spent_at IS NULL AND revoked_at IS NULL AND expires_at > $3
        RETURNING family_id AS "familyId", user_id AS "userId"`,
      [parsed.id, parsed.secretHash, now],
    );
    if (spent) return { spent };
    const reused = await queryOne<SpentToken>(
      this.dataSource,
      `SELECT family_id AS "familyId", user_id AS "userId" FROM refresh_tokens
        WHERE id = $1 AND token_hash = $2 AND spent_at IS NOT NULL`,
      [parsed.id, parsed.secretHash],
    );
    return reused ? { reused } : {};
  }

  async revokeFamily(familyId: string, now: Date): Promise<void> {
    await this.dataSource.query(
      'UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL',
      [familyId, now],
    );
  }
}
