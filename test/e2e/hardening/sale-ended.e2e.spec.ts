import { checkout } from '../../support/checkout';
import { bearer } from '../../support/factories';
import { expectError, stateSnapshot } from '../../support/http';
import { startWorld, World } from '../../support/world';

/** Hardening 6: tickets were sold for shows that had started. Not any more, and the catalog says so. */
describe('hardening 6: no sale once the show has started', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ seats: 10 });
    await w.t.dataSource.query(
      `UPDATE concert_options SET concert_date = now() - interval '2 hours' WHERE id = $1`,
      [w.option.optionId],
    );
  });
  afterAll(() => w.close());

  it('refuses holds and soft locks with 409 SALE_ENDED and changes nothing', async () => {
    const before = await stateSnapshot(w.t);
    expectError(await checkout(w.t, w.user).hold(w.option.seatIds[0]), 409, 'SALE_ENDED');
    const lock = await w.t
      .http()
      .post(`/api/reservations/v7/locks/seats/${w.option.seatIds[1]}`)
      .set(bearer(w.user));
    expectError(lock, 409, 'SALE_ENDED');
    expect(await stateSnapshot(w.t)).toEqual(before);
  });

  it('shows ENDED in the catalog', async () => {
    const options = await w.t.http().get(`/api/concerts/${w.option.concertId}/options`).expect(200);
    expect(options.body[0].saleStatus).toBe('ENDED');
    const concerts = await w.t.http().get('/api/concerts').expect(200);
    expect(concerts.body.find((c: { id: number }) => c.id === w.option.concertId).saleStatus).toBe('ENDED');
  });

  it('does not let an admin create an option in the past', async () => {
    const res = await w.t
      .http()
      .post(`/api/admin/concerts/${w.option.concertId}/options`)
      .set(bearer(w.admin))
      .send({ concertDate: new Date(Date.now() - 60_000).toISOString(), seatCount: 5 });
    expectError(res, 400, 'VALIDATION_FAILED');
  });
});
