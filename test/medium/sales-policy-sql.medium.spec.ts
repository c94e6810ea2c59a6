import { Client } from 'pg';
import {
  saleOpenSql,
  saleRefusal,
  SalesPolicy,
  Tier,
  TIERS,
} from '../../src/modules/admission/sales-policy/sales-policy';
import { TEST_DATABASE_URL } from '../support/test-env';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const HOUR = 3600_000;

/** No policy, a general sale only, and a presale for GOLD and above (with a gap before the general sale). */
const POLICIES: (SalesPolicy | undefined)[] = [
  undefined,
  {
    concertId: 1,
    presaleStartAt: null,
    presaleEndAt: null,
    presaleMinimumTier: null,
    generalSaleStartAt: at(2 * HOUR),
    maxReservationsPerUser: 4,
  },
  {
    concertId: 1,
    presaleStartAt: at(0),
    presaleEndAt: at(HOUR),
    presaleMinimumTier: 'GOLD',
    generalSaleStartAt: at(2 * HOUR),
    maxReservationsPerUser: 4,
  },
];
/** Every window boundary, a millisecond either side. */
const INSTANTS = [0, HOUR, 2 * HOUR].flatMap((b) => [b - 1, b, b + 1]).map(at);

/**
 * The sales policy has one home (admission's sales-policy.ts): its rules in TypeScript explain refusals,
 * and `saleOpenSql`, their SQL form beside them, decides holds and orders in the database. Both must say
 * the same for every policy shape, tier and boundary instant.
 */
describe('saleOpenSql agrees with saleRefusal', () => {
  let db: Client;
  beforeAll(async () => {
    db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(() => db?.end());

  it.each(POLICIES.map((p, i) => [i, p] as const))('policy shape %i', async (_, policy) => {
    for (const tier of TIERS as readonly Tier[]) {
      for (const now of INSTANTS) {
        const { rows } = await db.query(
          `SELECT ${saleOpenSql('p', '$6::varchar', '$7::timestamptz')} AS open
             FROM (SELECT $1::int AS concert_id, $2::timestamptz AS presale_start_at, $3::timestamptz AS presale_end_at,
                          $4::varchar AS presale_minimum_tier, $5::timestamptz AS general_sale_start_at) p`,
          [
            policy ? policy.concertId : null,
            policy?.presaleStartAt ?? null,
            policy?.presaleEndAt ?? null,
            policy?.presaleMinimumTier ?? null,
            policy?.generalSaleStartAt ?? null,
            tier,
            now,
          ],
        );
        expect({ tier, now, open: rows[0].open }).toEqual({
          tier,
          now,
          open: saleRefusal(policy, tier, now) === undefined,
        });
      }
    }
  });
});
