import { DomainError } from '../../src/common/errors/domain-error';
import { AuthModule } from '../../src/modules/auth/auth.module';
import { SessionsService } from '../../src/modules/auth/session/sessions.service';
import { TokenDenylist } from '../../src/modules/auth/session/token-denylist';
import { TokenService } from '../../src/modules/auth/token.service';
import { Fan, ModuleContext, startModules } from '../support/module-harness';

const codeOf = (outcome: PromiseSettledResult<unknown>) =>
  outcome.status === 'rejected' ? (outcome.reason as DomainError).code : 'OK';

/** Session rules on PostgreSQL: rotation, reuse, revocation and the refresh limit (the auth module alone). */
describe('sessions: one decision per refresh family, under its lock', () => {
  let t: ModuleContext;
  let fan: Fan;
  let sessions: SessionsService;
  const user = () => ({ id: fan.id, username: `fan${fan.id}`, role: 'USER' as const });
  const denied = (accessToken: string) =>
    t.get(TokenDenylist).isDenied(t.get(TokenService).verify(accessToken)!);

  beforeAll(async () => {
    t = await startModules([AuthModule], { env: { RATE_LIMIT_ENABLED: 'true' } });
    fan = await t.newUser();
    sessions = t.get(SessionsService);
  });
  afterAll(() => t.close());
  afterEach(() => t.clock.reset());

  it('of 8 parallel refreshes of one token exactly one issues a pair, and the others revoke it', async () => {
    const start = await sessions.start(user());
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => sessions.refresh(start.refreshToken)),
    );
    expect(outcomes.map(codeOf).sort()).toEqual(['OK', ...Array(7).fill('UNAUTHENTICATED')]);
    const winner = (outcomes.find((o) => o.status === 'fulfilled') as PromiseFulfilledResult<typeof start>)
      .value;
    await expect(sessions.refresh(winner.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await denied(winner.accessToken)).toBe(true);
  });

  it('a family revoked by logout issues nothing more, and its newest access token is denied', async () => {
    const start = await sessions.start(user());
    const next = await sessions.refresh(start.refreshToken);
    await sessions.logout(t.get(TokenService).verify(start.accessToken)!);
    await expect(sessions.refresh(next.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await denied(next.accessToken)).toBe(true);
    const other = await sessions.start(user()); // another session of the same user lives on
    expect(await denied(other.accessToken)).toBe(false);
    await sessions.refresh(other.refreshToken);
  });

  it('allows 10 refreshes of a family per sliding minute, and answers a spent token 401 even when limited', async () => {
    const first = await sessions.start(user());
    let session = first;
    for (let i = 0; i < 10; i++) {
      session = await sessions.refresh(session.refreshToken);
      t.clock.advance(1000);
    }
    await expect(sessions.refresh(session.refreshToken)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 50, // the first of the ten leaves the window 60 s after it, 10 s ago
    });
    t.clock.advance(50_000);
    session = await sessions.refresh(session.refreshToken); // one left the window: one more fits
    await expect(sessions.refresh(session.refreshToken)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(sessions.refresh(first.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(sessions.refresh(session.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
