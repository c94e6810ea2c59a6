import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Release class: EXPAND. The previous release keeps working on this schema: it inserts refresh tokens
 * without a family row and revokes by refresh_tokens.revoked_at, and nothing here refuses either.
 *
 * A refresh family gets a row of its own, so that revoking a session is one row that every refresh
 * locks and checks in its own transaction (a revoke no longer marks only the token rows that exist, and a
 * refresh racing a logout can no longer insert a token the logout never saw). The row also records:
 * - `expires_at`: the expiry of the family's newest refresh token (past it the family is dead);
 * - `access_expires_at`: the latest expiry of an access token it issued, which is how long a revocation
 *   must keep refusing its access tokens.
 * Existing families are carried over: revoked if any of their tokens was, with their access tokens assumed
 * to live as long as JWT_TTL_SECONDS allows at most (7 days). Indexes serve the per-family refresh rate
 * limit (spent_at in the last minute) and the pruning of expired and spent rows.
 *
 * During the mixed period the new code creates the row of a family the previous release started when it
 * first meets it (RefreshTokensRepository.lockFamily), counts a token's own revoked_at as a revocation,
 * and marks the tokens as well when it revokes, so instances of either release refuse a revoked session.
 *
 * Deferred CONTRACT step, for a release after every instance runs this code (docs/operations.md, "Runbook:
 * releases and rollback"), as a migration then, not now:
 *   INSERT INTO refresh_token_families (...) SELECT ... FROM refresh_tokens GROUP BY family_id
 *     ON CONFLICT (id) DO UPDATE SET revoked_at = coalesce(refresh_token_families.revoked_at, EXCLUDED.revoked_at);
 *   ALTER TABLE refresh_tokens DROP COLUMN revoked_at;
 *   ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_family_fkey
 *     FOREIGN KEY (family_id) REFERENCES refresh_token_families(id) ON DELETE CASCADE;
 * and the code then drops its revoked_at checks and writes.
 */
export class RefreshTokenFamilies1764000020100 implements MigrationInterface {
  name = 'RefreshTokenFamilies1764000020100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refresh_token_families (
        id uuid PRIMARY KEY,
        user_id integer NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        access_expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query(`
      INSERT INTO refresh_token_families (id, user_id, created_at, expires_at, access_expires_at, revoked_at)
      SELECT family_id, min(user_id), min(issued_at), max(expires_at),
             max(issued_at) + interval '604800 seconds', max(revoked_at)
        FROM refresh_tokens GROUP BY family_id`);
    await q.query(`DROP INDEX refresh_tokens_family_idx`);
    await q.query(`CREATE INDEX refresh_tokens_family_spent_idx ON refresh_tokens (family_id, spent_at)`);
    await q.query(`CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at)`);
    await q.query(
      `CREATE INDEX refresh_tokens_spent_idx ON refresh_tokens (spent_at) WHERE spent_at IS NOT NULL`,
    );
    await q.query(`CREATE INDEX refresh_token_families_expires_idx ON refresh_token_families (expires_at)`);
    await q.query(
      `CREATE INDEX refresh_token_families_revoked_idx ON refresh_token_families (access_expires_at)
        WHERE revoked_at IS NOT NULL`,
    );
  }

  /** Loses nothing: a family's revocation is carried back to its tokens, the rest is derived from them. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX refresh_tokens_spent_idx`);
    await q.query(`DROP INDEX refresh_tokens_expires_idx`);
    await q.query(`DROP INDEX refresh_tokens_family_spent_idx`);
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
    await q.query(`
      UPDATE refresh_tokens t SET revoked_at = f.revoked_at
        FROM refresh_token_families f
       WHERE f.id = t.family_id AND f.revoked_at IS NOT NULL AND t.revoked_at IS NULL`);
    await q.query(`DROP TABLE refresh_token_families`);
  }
}
