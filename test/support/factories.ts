import { TestApp } from './test-app';

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

export interface TestUser {
  id: number;
  username: string;
  token: string;
}

/** Signs up and logs in a fresh user through the public API. */
export async function createUser(t: TestApp, prefix = 'u'): Promise<TestUser> {
  const username = unique(prefix);
  const password = 'password-123';
  const signup = await t.http().post('/api/auth/signup').send({ username, password }).expect(201);
  const login = await t.http().post('/api/auth/login').send({ username, password }).expect(200);
  return { id: signup.body.id, username, token: login.body.accessToken };
}

/** An ADMIN, made by promoting a signed-up user directly in the database (as an operator would). */
export async function createAdmin(t: TestApp): Promise<TestUser> {
  const user = await createUser(t, 'adm');
  await t.dataSource.query(`UPDATE users SET role = 'ADMIN' WHERE id = $1`, [user.id]);
  const login = await t
    .http()
    .post('/api/auth/login')
    .send({ username: user.username, password: 'password-123' });
  return { ...user, token: login.body.accessToken };
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
