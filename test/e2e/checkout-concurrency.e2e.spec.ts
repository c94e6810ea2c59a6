import { createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { checkout } from '../support/checkout';
import { ledger, seatStatus } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

/** Races the database must win: one hold per seat, one captured payment per reservation. */
describe('checkout under concurrency', () => {
  let t: TestApp;
  let option: TestOption;
  let users: TestUser[];

  beforeAll(async () => {
    t = await startTestApp({ MAX_ACTIVE_HOLDS_PER_USER: '0' });
    const admin = await createAdmin(t);
    option = await createOption(t, admin, { seatCount: 5 });
    users = await Promise.all(Array.from({ length: 10 }, () => createUser(t)));
  });
  afterAll(() => t.close());

  it('50 parallel holds on one seat: exactly one 201 and 49 SEAT_NOT_AVAILABLE', async () => {
    const seatId = option.seatIds[0];
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => checkout(t, users[i % users.length]).hold(seatId)),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    const losers = responses.filter((r) => r.status !== 201);
    expect(losers).toHaveLength(49);
    expect(new Set(losers.map((r) => `${r.status} ${r.body.errorCode}`))).toEqual(
      new Set(['409 SEAT_NOT_AVAILABLE']),
    );
    const active = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM reservations WHERE seat_id = $1 AND status IN ('HOLD','PAYING','CONFIRMED')`,
      [seatId],
    );
    expect(active).toEqual([{ n: 1 }]);
    expect(await seatStatus(t, seatId)).toBe('TEMP_RESERVED');
  });

  it('20 parallel confirms of one reservation produce exactly one SUCCESS PAYMENT row', async () => {
    const user = users[0];
    const id = await checkout(t, user).toPaying(option.seatIds[1]);
    const responses = await Promise.all(Array.from({ length: 20 }, () => checkout(t, user).confirm(id)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(await ledger(t, id)).toEqual([{ type: 'PAYMENT', status: 'SUCCESS', amount: option.price }]);
    expect((await checkout(t, user).get(id)).body.status).toBe('CONFIRMED');
  });

  it('the database itself refuses a second active reservation for a seat', async () => {
    const seatId = option.seatIds[2];
    await checkout(t, users[1]).hold(seatId).expect(201);
    await expect(
      t.dataSource.query(
        `INSERT INTO reservations (user_id, seat_id, option_id, concert_id, status, amount, reserved_at, hold_expires_at)
         SELECT $1, $2, option_id, $3, 'HOLD', 1, now(), now() + interval '1 minute' FROM seats WHERE id = $2`,
        [users[2].id, seatId, option.concertId],
      ),
    ).rejects.toMatchObject({ driverError: { code: '23505' } });
  });

  it('the database refuses to change a settled ledger row', async () => {
    const id = await checkout(t, users[3]).toPaying(option.seatIds[3]);
    await checkout(t, users[3]).confirm(id).expect(200);
    await expect(
      t.dataSource.query(`UPDATE payment_transactions SET status = 'FAILED' WHERE reservation_id = $1`, [id]),
    ).rejects.toThrow(/terminal/);
  });
});
