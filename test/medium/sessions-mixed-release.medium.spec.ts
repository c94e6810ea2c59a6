import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DomainError } from '../../src/common/errors/domain-error';
import { AuthModule } from '../../src/modules/auth/auth.module';
import { SessionsService } from '../../src/modules/auth/session/sessions.service';
import { TokenService } from '../../src/modules/auth/token.service';
import { Fan, ModuleContext, startModules } from '../support/module-harness';

const codeOf = (outcome: PromiseSettledResult<unknown>) =>
  outcome.status === 'rejected' ? (outcome.reason as DomainError).code : 'OK';

/**
 * During a rolling restart the previous release (CHANGELOG.md) runs beside this one on the same schema
 * (migration RefreshTokenFamilies is an expand step). It writes refresh tokens without a family row and
 * revokes by refresh_tokens.revoked_at; this release must accept the first and honour the second, and
 * revoke in a way the previous release sees.
 */
describe('sessions started or revoked by the previous release', () => {
  let t: ModuleContext;
  let fan: Fan;
  let sessions: SessionsService;
  const user = () => ({ id: fan.id, username: `fan${fan.id}`, role: 'USER' as const });

  /** A login as the previous release records it: one token row, no family row. */
  async function previousReleaseLogin(): Promise<{ familyId: string; refreshToken: string }> {
    const familyId = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const [{ id }] = await t.dataSource.query(
      `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + interval '1 day') RETURNING id`,
      [familyId, fan.id, createHash('sha256').update(secret).digest('hex')],
    );
    return { familyId, refreshToken: `${id}.${secret}` };
  }

  beforeAll(async () => {
    t = await startModules([AuthModule]);
    fan = await t.newUser();
    sessions = t.get(SessionsService);
  });
  afterAll(() => t.close());

  it('refreshes a session the previous release started (its family row is created then)', async () => {
    const old = await previousReleaseLogin();
    const next = await sessions.refresh(old.refreshToken);
    expect(t.get(TokenService).verify(next.accessToken)?.session?.familyId).toBe(old.familyId);
    const families = await t.dataSource.query(
      `SELECT user_id AS "userId" FROM refresh_token_families WHERE id = $1`,
      [old.familyId],
    );
    expect(families).toEqual([{ userId: fan.id }]);
    await sessions.refresh(next.refreshToken);
  });

  it('of 8 parallel refreshes of such a token exactly one issues a pair', async () => {
    const old = await previousReleaseLogin();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => sessions.refresh(old.refreshToken)),
    );
    expect(outcomes.map(codeOf).sort()).toEqual(['OK', ...Array(7).fill('UNAUTHENTICATED')]);
  });

  it('refuses a session the previous release revoked (refresh_tokens.revoked_at)', async () => {
    const revokedBefore = await previousReleaseLogin();
    await t.dataSource.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1`, [
      revokedBefore.familyId,
    ]);
    await expect(sessions.refresh(revokedBefore.refreshToken)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });

    // Revoked by the previous release after this one had created the family's row.
    const started = await previousReleaseLogin();
    const next = await sessions.refresh(started.refreshToken);
    await t.dataSource.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1`, [
      started.familyId,
    ]);
    await expect(sessions.refresh(next.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('revokes so that the previous release refuses too: every token of the family gets revoked_at', async () => {
    const start = await sessions.start(user());
    const next = await sessions.refresh(start.refreshToken);
    await sessions.logout(t.get(TokenService).verify(next.accessToken)!);
    const familyId = t.get(TokenService).verify(next.accessToken)!.session!.familyId;
    const tokens = await t.dataSource.query(
      `SELECT count(*)::int AS n, count(revoked_at)::int AS revoked FROM refresh_tokens WHERE family_id = $1`,
      [familyId],
    );
    expect(tokens).toEqual([{ n: 2, revoked: 2 }]);
  });
});
