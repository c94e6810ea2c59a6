import { DEMO_ZONES } from '../../src/bootstrap/bootstrap-data.service';
import { startTestApp, TestApp } from '../support/test-app';

interface Zone {
  id: number;
  name: string;
  priceAmount: number;
  color: string;
  seatCount: number;
}

/** SEED_DEMO_DATA: the demo concert's shows are sold in three price zones, seeded once. */
describe('demo data: the demo concert in three price zones', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const demoZones = async (app: TestApp) => {
    const concerts = (await app.http().get('/api/concerts').expect(200)).body as {
      id: number;
      title: string;
    }[];
    const demo = concerts.find((c) => c.title === 'Demo Concert')!;
    const options = (await app.http().get(`/api/concerts/${demo.id}/options`).expect(200)).body;
    return Promise.all(
      options.map(async (o: { id: number; minPriceAmount: number; maxPriceAmount: number }) => ({
        option: o,
        zones: (await app.http().get(`/api/concerts/options/${o.id}/categories`).expect(200)).body as Zone[],
      })),
    );
  };

  it('each demo show has VIP, R and S over all its seats; a restart seeds nothing twice', async () => {
    t = await startTestApp({ SEED_DEMO_DATA: 'true' });
    const shows = await demoZones(t);
    expect(shows).toHaveLength(2);
    for (const { option, zones } of shows) {
      expect(zones.map((z) => [z.name, z.priceAmount, z.color, z.seatCount])).toEqual([
        ['VIP', 150_000, '#c0392b', 20],
        ['R', 110_000, '#2980b9', 20],
        ['S', 80_000, '#27ae60', 10],
      ]);
      expect(option).toMatchObject({ minPriceAmount: 80_000, maxPriceAmount: 150_000 });
    }
    expect(DEMO_ZONES).toHaveLength(3);
    const ids = shows.flatMap((s) => s.zones.map((z) => z.id));
    await t.close();

    t = await startTestApp({ SEED_DEMO_DATA: 'true' }, {}, { reset: false });
    const again = await demoZones(t);
    expect(again.flatMap((s) => s.zones.map((z) => z.id))).toEqual(ids);
  });
});
