import { createAdmin, createOption, TestOption, TestUser } from '../../support/factories';
import { jsonFrom } from '../../support/http';
import { startTestApp, TestApp } from '../../support/test-app';

/**
 * Hardening 2: one actor with many accounts cannot take a whole show. Sign-ups are limited per address,
 * and so are live holds across all the accounts of one address (MAX_ACTIVE_HOLDS_PER_IP).
 */
describe('hardening 2: one address cannot sign up an army or hold a whole show', () => {
  let t: TestApp;
  let option: TestOption;
  const signup = (from: string, username: string) =>
    jsonFrom(t, from, 'POST', '/api/auth/signup', { username, password: 'password-123' });
  const account = async (from: string, username: string): Promise<TestUser> => {
    const created = await signup(from, username);
    const login = await jsonFrom(t, from, 'POST', '/api/auth/login', { username, password: 'password-123' });
    return {
      id: (created.body as { id: number }).id,
      username,
      token: (login.body as { accessToken: string }).accessToken,
    };
  };
  const hold = (from: string, fan: TestUser, seatId: number) =>
    jsonFrom(t, from, 'POST', '/api/reservations/v7/holds', { seatId }, fan.token);

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_ENABLED: 'true',
      MAX_ACTIVE_HOLDS_PER_IP: '20',
      MAX_ACTIVE_HOLDS_PER_USER: '4',
    });
    option = await createOption(t, await createAdmin(t), { seatCount: 60 });
  });
  afterAll(() => t?.close());

  it('allows 10 sign-ups per address in 10 minutes, then 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await signup('127.0.5.1', `army_${i}`)).status);
    expect(statuses).toEqual([...Array(10).fill(201), 429, 429]);
    expect((await signup('127.0.5.2', 'someone_else')).status).toBe(201);
  });

  it('stops 13 accounts × 4 holds from one address at 20 live holds; a fan elsewhere still gets a seat', async () => {
    const accounts: TestUser[] = [];
    for (let i = 0; i < 13; i++) accounts.push(await account(`127.0.6.${i + 1}`, `holder_${i}`)); // each signs up elsewhere
    const results = [];
    let seat = 0;
    for (const fan of accounts)
      for (let k = 0; k < 4; k++) results.push(await hold('127.0.4.1', fan, option.seatIds[seat++]));
    expect(results.filter((r) => r.status === 201)).toHaveLength(20);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(32);
    for (const r of refused) expect(r.body).toMatchObject({ status: 409, errorCode: 'HOLD_LIMIT_REACHED' });
    const fan = await account('127.0.3.1', 'real_fan');
    expect((await hold('127.0.3.1', fan, option.seatIds[seat])).status).toBe(201);
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^checkout_rate_limited_total\{limit="holds-per-ip"\} 32$/m);
    expect(metrics).toMatch(/^checkout_rate_limited_total\{limit="signup"\} [1-9]/m);
  });
});
