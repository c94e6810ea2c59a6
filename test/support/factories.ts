import { Role } from '../../src/config/app-config';
import { SessionsService } from '../../src/modules/auth/session/sessions.service';
import { TestApp } from './test-app';

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

/** The password of every user the factories make. */
export const FIXTURE_PASSWORD = 'password-123';
/**
 * FIXTURE_PASSWORD hashed as PasswordHasher stores it (`sha256:` + bcrypt of its SHA-256, cost 10),
 * computed once: a user written with it logs in through /api/auth/login like any other, without the
 * factories paying bcrypt per user. factories.spec.ts checks it against PasswordHasher.
 */
export const FIXTURE_PASSWORD_HASH = 'sha256:$2b$10$iTKKNAegZKDyHFNNs4RBEODP8dCQA4GyE0gsGpfTSPe4ahpwpHkH2';

export interface TestUser {
  id: number;
  username: string;
  token: string;
}

/**
 * A fresh user with a wallet and a logged-in session, as /signup then /login would leave them, without
 * their bcrypt: one SQL insert (user and wallet, signup's initial balance), then the app's own
 * SessionsService starts the session (its refresh family row and an access token with `jti` and `fam`).
 * On a child process (no app in this process) it can only go through HTTP.
 */
export async function createUser(t: TestApp, prefix = 'u', role: Role = 'USER'): Promise<TestUser> {
  if (!t.app) return signUpAndLogIn(t, prefix, role);
  const username = unique(prefix);
  const [{ id }]: { id: number }[] = await t.dataSource.query(
    `WITH u AS (INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) RETURNING id),
          w AS (INSERT INTO wallets (user_id, balance_amount) SELECT id, $4 FROM u)
     SELECT id FROM u`,
    [username, FIXTURE_PASSWORD_HASH, role, t.config.walletInitialBalance],
  );
  const session = await t.app.get(SessionsService).start({ id, username, role });
  return { id, username, token: session.accessToken };
}

/** An ADMIN (made in the database, as an operator would). */
export function createAdmin(t: TestApp): Promise<TestUser> {
  return createUser(t, 'adm', 'ADMIN');
}

/**
 * Signs up and logs in through the public API (bcrypt and all): for the specs where the sign-up or the
 * login themselves count (rate limits), and for apps in a child process.
 */
export async function signUpAndLogIn(t: TestApp, prefix = 'u', role: Role = 'USER'): Promise<TestUser> {
  const username = unique(prefix);
  const password = FIXTURE_PASSWORD;
  const signup = await t.http().post('/api/auth/signup').send({ username, password }).expect(201);
  if (role !== 'USER') {
    await t.dataSource.query(`UPDATE users SET role = $2 WHERE id = $1`, [signup.body.id, role]);
  }
  const login = await t.http().post('/api/auth/login').send({ username, password }).expect(200);
  return { id: signup.body.id, username, token: login.body.accessToken };
}

export interface TestOption {
  concertId: number;
  optionId: number;
  seatIds: number[];
  price: number;
}

/** A concert with one option of `seatCount` seats, created through the admin API. */
export async function createOption(
  t: TestApp,
  admin: TestUser,
  opts: { seatCount?: number; price?: number; concertDate?: Date } = {},
): Promise<TestOption> {
  const concert = await t
    .http()
    .post('/api/admin/concerts')
    .set('Authorization', `Bearer ${admin.token}`)
    .send({ title: unique('Concert '), artistName: 'Tester' })
    .expect(201);
  const concertDate = opts.concertDate ?? new Date(Date.now() + 30 * 24 * 3600 * 1000);
  const option = await t
    .http()
    .post(`/api/admin/concerts/${concert.body.id}/options`)
    .set('Authorization', `Bearer ${admin.token}`)
    .send({
      concertDate: concertDate.toISOString(),
      ticketPriceAmount: opts.price ?? 50000,
      seatCount: opts.seatCount ?? 10,
    })
    .expect(201);
  const seats = await t.http().get(`/api/concerts/options/${option.body.id}/seat-map`).expect(200);
  return {
    concertId: concert.body.id,
    optionId: option.body.id,
    seatIds: seats.body.map((s: { id: number }) => s.id),
    price: option.body.ticketPriceAmount,
  };
}

export const bearer = (user: TestUser) => ({ Authorization: `Bearer ${user.token}` });
