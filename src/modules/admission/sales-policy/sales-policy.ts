/**
 * A concert's sales policy as pure rules of UTC instants (the hold statement applies the same rules in
 * SQL, see ReservationRepository.holdMany). Windows are half-open: the presale runs [start, end), the
 * general sale from its start on.
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
