import { saleOpensAt, SalesPolicy, saleRefusal, saleStatus, saleWindow } from './sales-policy';

const at = (iso: string) => new Date(`2026-12-10T${iso}:00.000Z`);
const policy: SalesPolicy = {
  concertId: 1,
  presaleStartAt: at('10:00'),
  presaleEndAt: at('12:00'),
  presaleMinimumTier: 'GOLD',
  generalSaleStartAt: at('14:00'),
  maxReservationsPerUser: 4,
};
const before = (d: Date) => new Date(d.getTime() - 1);

describe('sales policy', () => {
  it('is closed before the presale, and opens it at its exact start to the minimum tier and above', () => {
    expect(saleRefusal(policy, 'VIP', before(at('10:00')))).toBe('SALE_NOT_OPEN');
    expect(saleRefusal(policy, 'GOLD', at('10:00'))).toBeUndefined();
    expect(saleRefusal(policy, 'VIP', at('10:00'))).toBeUndefined();
    expect(saleRefusal(policy, 'SILVER', at('10:00'))).toBe('PRESALE_TIER_REQUIRED');
  });

  it('closes the presale at its end (exclusive) until the general sale starts (inclusive)', () => {
    expect(saleRefusal(policy, 'GOLD', before(at('12:00')))).toBeUndefined();
    expect(saleRefusal(policy, 'GOLD', at('12:00'))).toBe('SALE_NOT_OPEN');
    expect(saleRefusal(policy, 'BASIC', before(at('14:00')))).toBe('SALE_NOT_OPEN');
    expect(saleRefusal(policy, 'BASIC', at('14:00'))).toBeUndefined();
  });

  it('lets everyone buy without a policy, and any tier in a presale without a minimum', () => {
    expect(saleRefusal(undefined, 'BASIC', at('00:00'))).toBeUndefined();
    expect(saleRefusal({ ...policy, presaleMinimumTier: null }, 'BASIC', at('11:00'))).toBeUndefined();
  });

  it('says UPCOMING, PRESALE, ON_SALE, SOLD_OUT or ENDED, in that precedence', () => {
    const open = { ended: false, seats: 10, seatsAvailable: 3 };
    expect(saleWindow(policy, at('09:00'))).toBe('UPCOMING');
    expect(saleStatus(policy, at('11:00'), open)).toBe('PRESALE');
    expect(saleStatus(policy, at('13:00'), open)).toBe('UPCOMING');
    expect(saleStatus(policy, at('14:00'), open)).toBe('ON_SALE');
    expect(saleStatus(undefined, at('09:00'), open)).toBe('ON_SALE');
    expect(saleStatus(policy, at('14:00'), { ...open, seatsAvailable: 0 })).toBe('SOLD_OUT');
    expect(saleStatus(policy, at('14:00'), { ended: true, seats: 10, seatsAvailable: 0 })).toBe('ENDED');
    expect(saleStatus(undefined, at('14:00'), { ended: false, seats: 0, seatsAvailable: 0 })).toBe(
      'UPCOMING',
    );
  });

  it('opens the sale at the presale start, else the general start', () => {
    expect(saleOpensAt(policy)).toEqual(at('10:00'));
    expect(saleOpensAt({ ...policy, presaleStartAt: null, presaleEndAt: null })).toEqual(at('14:00'));
    expect(saleOpensAt(undefined)).toBeNull();
  });
});
