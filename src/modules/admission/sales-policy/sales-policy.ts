/**
 * A concert's sales policy as pure rules of UTC instants. Windows are half-open: the presale runs
 * [start, end), the general sale from its start on. This file is the rules' one home: the statements
 * that decide a hold or an order in the database use `saleOpenSql`, their SQL form, written beside
 * `saleRefusal` (test/medium/sales-policy-sql.medium.spec.ts checks that the two agree at every boundary).
 */
export const TIERS = ['BASIC', 'SILVER', 'GOLD', 'VIP'] as const;
export type Tier = (typeof TIERS)[number];

export interface SalesPolicy {
  concertId: number;
  presaleStartAt: Date | null;
  presaleEndAt: Date | null;
  presaleMinimumTier: Tier | null;
  generalSaleStartAt: Date;
  maxReservationsPerUser: number;
}

export type SaleStatus = 'UPCOMING' | 'PRESALE' | 'ON_SALE' | 'SOLD_OUT' | 'ENDED';

const rank = (tier: Tier) => TIERS.indexOf(tier);

/** Why a user of `tier` may not buy at `now` (no policy: always open), or undefined when they may. */
export function saleRefusal(
  policy: SalesPolicy | undefined,
  tier: Tier,
  now: Date,
): 'SALE_NOT_OPEN' | 'PRESALE_TIER_REQUIRED' | undefined {
  const window = saleWindow(policy, now);
  if (window === 'ON_SALE') return undefined;
  if (window === 'UPCOMING') return 'SALE_NOT_OPEN';
  return rank(tier) >= rank(policy!.presaleMinimumTier ?? 'BASIC') ? undefined : 'PRESALE_TIER_REQUIRED';
}

/** The tiers in rank order, as an SQL array for array_position. */
const TIERS_SQL = `ARRAY[${TIERS.map((t) => `'${t}'`).join(', ')}]::varchar[]`;

/**
 * `saleRefusal(policy, tier, now) === undefined` as an SQL condition: `policy` names a row of
 * sales_policies joined LEFT (all NULL: no policy), `tier` and `now` are SQL expressions (the user's
 * tier, the decision's time). For the hold and order statements, which decide in one round trip.
 */
export function saleOpenSql(policy: string, tier: string, now: string): string {
  const p = policy;
  // coalesce: a policy without a presale compares NULLs, which must read as "not in the presale".
  return `coalesce(${p}.concert_id IS NULL OR ${now} >= ${p}.general_sale_start_at
           OR (${now} >= ${p}.presale_start_at AND ${now} < ${p}.presale_end_at
               AND array_position(${TIERS_SQL}, ${tier})
                   >= array_position(${TIERS_SQL}, coalesce(${p}.presale_minimum_tier, 'BASIC'))), false)`;
}

/** Where `now` falls in the policy's windows (no policy: on sale). */
export function saleWindow(policy: SalesPolicy | undefined, now: Date): 'UPCOMING' | 'PRESALE' | 'ON_SALE' {
  if (!policy || now >= policy.generalSaleStartAt) return 'ON_SALE';
  if (policy.presaleStartAt && now >= policy.presaleStartAt && now < policy.presaleEndAt!) return 'PRESALE';
  return 'UPCOMING';
}

/** The catalog's saleStatus of an option (or a concert, over its options). */
export function saleStatus(
  policy: SalesPolicy | undefined,
  now: Date,
  show: { ended: boolean; seats: number; seatsAvailable: number },
): SaleStatus {
  if (show.ended) return 'ENDED';
  if (show.seats === 0) return 'UPCOMING'; // a concert with no shows yet has nothing to sell out
  if (show.seatsAvailable === 0) return 'SOLD_OUT';
  return saleWindow(policy, now);
}

/** When the sale first opens to anyone (the presale, else the general sale); null without a policy. */
export function saleOpensAt(policy: SalesPolicy | undefined): Date | null {
  return policy ? (policy.presaleStartAt ?? policy.generalSaleStartAt) : null;
}
