import { bearer, createAdmin, createUser, TestUser } from '../support/factories';
import { expectError } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const BAD_IDS = ['0', '-1', 'abc', '1.5', '99999999999', '1e3', '0x10'];

interface Seat {
  id: number;
  seatNumber: string;
  status: string;
}

describe('catalog', () => {
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createAdmin(t);
    user = await createUser(t);
  });
  afterAll(() => t.close());

  const postConcert = (who: TestUser | undefined, body: object) => {
    const req = t.http().post('/api/admin/concerts');
    return (who ? req.set(bearer(who)) : req).send(body);
  };
  const postOption = (who: TestUser | undefined, concertId: number | string, body: object) => {
    const req = t.http().post(`/api/admin/concerts/${concertId}/options`);
    return (who ? req.set(bearer(who)) : req).send(body);
  };
  const countRows = async (table: 'concerts' | 'concert_options' | 'seats') =>
    (await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;
  const inAMonth = () => new Date(Date.now() + 30 * 24 * 3600 * 1000);

  describe('admin creation', () => {
    let concertId: number;

    it('creates a concert with zero counts', async () => {
      const res = await postConcert(admin, { title: 'Winter Live', artistName: 'The Band' }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        title: 'Winter Live',
        artistName: 'The Band',
        totalSeatCount: 0,
        availableSeatCount: 0,
        saleStatus: 'UPCOMING', // nothing on sale yet
        saleOpensAt: null,
      });
      concertId = res.body.id;
    });

    it('creates a concert without an artist', async () => {
      const res = await postConcert(admin, { title: 'Solo' }).expect(201);
      expect(res.body).toMatchObject({ title: 'Solo', artistName: null, totalSeatCount: 0 });
    });

    it('creates an option with its seats, numbered in rows of 20', async () => {
      const concertDate = new Date('2030-12-24T19:00:00.000Z');
      const res = await postOption(admin, concertId, {
        concertDate: concertDate.toISOString(),
        ticketPriceAmount: 55000,
        seatCount: 45,
      }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        concertId,
        concertDate: '2030-12-24T19:00:00.000Z',
        ticketPriceAmount: 55000,
        totalSeatCount: 45,
        availableSeatCount: 45,
        minPriceAmount: 55000, // no zones: every seat costs the show's price
        maxPriceAmount: 55000,
        saleStatus: 'ON_SALE', // no sales policy: on sale from creation
        saleOpensAt: null,
      });
      expect(res.body.concertDate).toMatch(ISO_UTC);

      const map = await t.http().get(`/api/concerts/options/${res.body.id}/seat-map`).expect(200);
      const seats = map.body as Seat[];
      expect(seats).toHaveLength(45);
      expect(seats.every((s) => s.status === 'AVAILABLE' && Number.isInteger(s.id))).toBe(true);
      const numbers = seats.map((s) => s.seatNumber);
      expect(numbers.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => `A-${i + 1}`));
      expect(numbers.slice(20, 40)).toEqual(Array.from({ length: 20 }, (_, i) => `B-${i + 1}`));
      expect(numbers.slice(40)).toEqual(['C-1', 'C-2', 'C-3', 'C-4', 'C-5']);
      expect(Object.keys(seats[0]).sort()).toEqual(['id', 'seatNumber', 'status']);
    });

    it('takes a concertDate with an offset and answers it normalised to UTC', async () => {
      for (const [given, stored] of [
        ['2030-12-24T19:00:00+09:00', '2030-12-24T10:00:00.000Z'],
        ['2030-12-24T19:00-05:30', '2030-12-25T00:30:00.000Z'],
        ['2030-12-24T19:00:00.5Z', '2030-12-24T19:00:00.500Z'],
      ]) {
        const res = await postOption(admin, concertId, { concertDate: given, seatCount: 1 }).expect(201);
        expect([given, res.body.concertDate]).toEqual([given, stored]);
        const read = await t.http().get(`/api/concerts/${concertId}/options`).expect(200);
        const listed = (read.body as { id: number; concertDate: string }[]).find((o) => o.id === res.body.id);
        expect(listed?.concertDate).toBe(stored);
      }
    });

    it('uses DEFAULT_TICKET_PRICE when ticketPriceAmount is absent, and accepts 0', async () => {
      const res = await postOption(admin, concertId, {
        concertDate: inAMonth().toISOString(),
        seatCount: 1,
      }).expect(201);
      expect(res.body.ticketPriceAmount).toBe(100000);
      const free = await postOption(admin, concertId, {
        concertDate: inAMonth().toISOString(),
        ticketPriceAmount: 0,
        seatCount: 1,
      }).expect(201);
      expect(free.body.ticketPriceAmount).toBe(0);
    });

    it('accepts the maximum of 5000 seats', async () => {
      const res = await postOption(admin, concertId, {
        concertDate: inAMonth().toISOString(),
        seatCount: 5000,
      }).expect(201);
      expect(res.body).toMatchObject({ totalSeatCount: 5000, availableSeatCount: 5000 });
      const seats = await t.http().get(`/api/concerts/options/${res.body.id}/seats`).expect(200);
      expect(seats.body).toHaveLength(5000);
      expect(new Set((seats.body as Seat[]).map((s) => s.seatNumber)).size).toBe(5000);
    });

    it.each([
      ['seatCount 0', { seatCount: 0 }],
      ['seatCount 5001', { seatCount: 5001 }],
      ['seatCount float', { seatCount: 1.5 }],
      ['seatCount string', { seatCount: '10' }],
      ['seatCount missing', { seatCount: undefined }],
      ['negative price', { ticketPriceAmount: -1 }],
      ['float price', { ticketPriceAmount: 100.5 }],
      ['string price', { ticketPriceAmount: '100' }],
      ['bad date', { concertDate: 'next friday' }],
      ['impossible date', { concertDate: '2030-02-30T19:00:00.000Z' }],
      ['bare date (would be UTC midnight)', { concertDate: '2030-12-24' }],
      ['time without an offset', { concertDate: '2030-12-24T19:00:00' }],
      ['time without an offset, with ms', { concertDate: '2030-12-24T19:00:00.000' }],
      ['impossible offset', { concertDate: '2030-12-24T19:00:00+25:00' }],
      ['date as a number', { concertDate: 1924974000000 }],
      ['missing date', { concertDate: undefined }],
      ['unknown field', { venue: 'Hall' }],
    ])('rejects an option with %s: 400 VALIDATION_FAILED, nothing created', async (_case, patch) => {
      const before = [await countRows('concert_options'), await countRows('seats')];
      const res = await postOption(admin, concertId, {
        concertDate: inAMonth().toISOString(),
        seatCount: 10,
        ...patch,
      });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect([await countRows('concert_options'), await countRows('seats')]).toEqual(before);
    });

    it.each([
      ['missing title', {}],
      ['empty title', { title: '' }],
      ['numeric title', { title: 42 }],
      ['unknown field', { title: 'X', genre: 'rock' }],
    ])('rejects a concert with %s: 400 VALIDATION_FAILED', async (_case, body) => {
      const before = await countRows('concerts');
      expectError(await postConcert(admin, body), 400, 'VALIDATION_FAILED');
      expect(await countRows('concerts')).toBe(before);
    });

    it('answers 404 NOT_FOUND for an option of an unknown concert', async () => {
      const res = await postOption(admin, 999999, { concertDate: inAMonth().toISOString(), seatCount: 5 });
      expectError(res, 404, 'NOT_FOUND');
    });

    it.each(BAD_IDS)('answers 400 VALIDATION_FAILED for concert id %s on option creation', async (id) => {
      const res = await postOption(admin, id, { concertDate: inAMonth().toISOString(), seatCount: 5 });
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it('forbids a USER: 403 FORBIDDEN, nothing created', async () => {
      const before = [await countRows('concerts'), await countRows('concert_options')];
      expectError(await postConcert(user, { title: 'Nope' }), 403, 'FORBIDDEN');
      expectError(
        await postOption(user, concertId, { concertDate: inAMonth().toISOString(), seatCount: 5 }),
        403,
        'FORBIDDEN',
      );
      expect([await countRows('concerts'), await countRows('concert_options')]).toEqual(before);
    });

    it('answers 401 UNAUTHENTICATED to an anonymous caller', async () => {
      expectError(await postConcert(undefined, { title: 'Nope' }), 401, 'UNAUTHENTICATED');
      expectError(
        await postOption(undefined, concertId, { concertDate: inAMonth().toISOString(), seatCount: 5 }),
        401,
        'UNAUTHENTICATED',
      );
    });
  });

  describe('public reads', () => {
    let concertId: number;
    let emptyConcertId: number;
    let optionA: { id: number };
    let optionB: { id: number };

    beforeAll(async () => {
      concertId = (await postConcert(admin, { title: 'Counting', artistName: 'Numbers' }).expect(201)).body
        .id;
      emptyConcertId = (await postConcert(admin, { title: 'No shows yet' }).expect(201)).body.id;
      optionA = (
        await postOption(admin, concertId, {
          concertDate: '2031-01-02T18:00:00.000Z',
          ticketPriceAmount: 70000,
          seatCount: 12,
        }).expect(201)
      ).body;
      optionB = (
        await postOption(admin, concertId, {
          concertDate: '2031-01-01T18:00:00.000Z',
          ticketPriceAmount: 80000,
          seatCount: 8,
        }).expect(201)
      ).body;
    });

    it('lists concerts with seat counts summed over their options', async () => {
      const res = await t.http().get('/api/concerts').expect(200);
      const concerts = res.body as { id: number }[];
      expect(concerts.find((c) => c.id === concertId)).toEqual({
        id: concertId,
        title: 'Counting',
        artistName: 'Numbers',
        totalSeatCount: 20,
        availableSeatCount: 20,
        saleStatus: 'ON_SALE',
        saleOpensAt: null,
      });
      expect(concerts.find((c) => c.id === emptyConcertId)).toMatchObject({
        totalSeatCount: 0,
        availableSeatCount: 0,
      });
    });

    it("lists a concert's options", async () => {
      const res = await t.http().get(`/api/concerts/${concertId}/options`).expect(200);
      expect(res.body).toHaveLength(2);
      expect(res.body).toEqual(
        expect.arrayContaining([
          {
            id: optionA.id,
            concertId,
            concertDate: '2031-01-02T18:00:00.000Z',
            ticketPriceAmount: 70000,
            totalSeatCount: 12,
            availableSeatCount: 12,
            minPriceAmount: 70000,
            maxPriceAmount: 70000,
            saleStatus: 'ON_SALE',
            saleOpensAt: null,
          },
          {
            id: optionB.id,
            concertId,
            concertDate: '2031-01-01T18:00:00.000Z',
            ticketPriceAmount: 80000,
            totalSeatCount: 8,
            availableSeatCount: 8,
            minPriceAmount: 80000,
            maxPriceAmount: 80000,
            saleStatus: 'ON_SALE',
            saleOpensAt: null,
          },
        ]),
      );
    });

    it('lists no options for a concert without any', async () => {
      await t.http().get(`/api/concerts/${emptyConcertId}/options`).expect(200, []);
    });

    it('answers 404 NOT_FOUND for unknown concerts and options', async () => {
      expectError(await t.http().get('/api/concerts/999999/options'), 404, 'NOT_FOUND');
      expectError(await t.http().get('/api/concerts/options/999999/seats'), 404, 'NOT_FOUND');
      expectError(await t.http().get('/api/concerts/options/999999/seat-map'), 404, 'NOT_FOUND');
    });

    it.each(
      BAD_IDS.flatMap((id) => [
        `/api/concerts/${id}/options`,
        `/api/concerts/options/${id}/seats`,
        `/api/concerts/options/${id}/seat-map`,
      ]),
    )('answers 400 VALIDATION_FAILED for %s', async (path) => {
      expectError(await t.http().get(path), 400, 'VALIDATION_FAILED');
    });

    it('lists only AVAILABLE seats; the seat map shows every seat with its status', async () => {
      const before = await t.http().get(`/api/concerts/options/${optionA.id}/seats`).expect(200);
      const seats = before.body as Seat[];
      expect(seats).toHaveLength(12);
      const [held, sold] = [seats[0], seats[5]];
      await t.dataSource.query(`UPDATE seats SET status = 'TEMP_RESERVED' WHERE id = $1`, [held.id]);
      await t.dataSource.query(`UPDATE seats SET status = 'RESERVED' WHERE id = $1`, [sold.id]);

      const after = await t.http().get(`/api/concerts/options/${optionA.id}/seats`).expect(200);
      const available = after.body as Seat[];
      expect(available).toHaveLength(10);
      expect(available.map((s) => s.id)).not.toContain(held.id);
      expect(available.map((s) => s.id)).not.toContain(sold.id);
      expect(available.every((s) => s.status === 'AVAILABLE')).toBe(true);

      const map = await t.http().get(`/api/concerts/options/${optionA.id}/seat-map`).expect(200);
      const all = map.body as Seat[];
      expect(all).toHaveLength(12);
      expect(all.find((s) => s.id === held.id)).toEqual({
        id: held.id,
        seatNumber: held.seatNumber,
        status: 'TEMP_RESERVED',
        row: 'A',
        number: 1,
        categoryId: null,
        priceAmount: 70000, // no zone: the show's price
      });
      expect(all.find((s) => s.id === sold.id)?.status).toBe('RESERVED');

      // Counts follow the seats.
      const options = await t.http().get(`/api/concerts/${concertId}/options`).expect(200);
      expect(options.body.find((o: { id: number }) => o.id === optionA.id)).toMatchObject({
        totalSeatCount: 12,
        availableSeatCount: 10,
      });
      const concerts = await t.http().get('/api/concerts').expect(200);
      expect(concerts.body.find((c: { id: number }) => c.id === concertId)).toMatchObject({
        totalSeatCount: 20,
        availableSeatCount: 18,
      });
    });

    it('is public: reads need no token, and a bad token does not block them', async () => {
      await t.http().get('/api/concerts').expect(200);
      await t
        .http()
        .get(`/api/concerts/options/${optionB.id}/seats`)
        .set('Authorization', 'Bearer x')
        .expect(200);
    });
  });
});

describe('catalog with ADMIN_CONSOLE_MINIMUM_ROLE=USER', () => {
  let t: TestApp;
  beforeAll(async () => {
    // reset:false — the tables were emptied by the block above; the admin-side data does not matter here.
    t = await startTestApp({ ADMIN_CONSOLE_MINIMUM_ROLE: 'USER' }, {}, { reset: false });
  });
  afterAll(() => t.close());

  it('lets a USER create concerts and options', async () => {
    const user = await createUser(t, 'opener');
    const concert = await t
      .http()
      .post('/api/admin/concerts')
      .set(bearer(user))
      .send({ title: 'Open console' })
      .expect(201);
    const option = await t
      .http()
      .post(`/api/admin/concerts/${concert.body.id}/options`)
      .set(bearer(user))
      .send({ concertDate: '2031-05-05T10:00:00.000Z', seatCount: 3 })
      .expect(201);
    expect(option.body).toMatchObject({ concertId: concert.body.id, totalSeatCount: 3 });
  });

  it('still requires a token', async () => {
    expectError(
      await t.http().post('/api/admin/concerts').send({ title: 'Anonymous' }),
      401,
      'UNAUTHENTICATED',
    );
  });
});
