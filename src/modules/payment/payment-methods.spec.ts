import { buildMethodsCatalog } from './payment-methods';

const card = {
  provider: 'mock' as const,
  mode: 'CARD_MOCK_SIMULATION' as const,
  supportedMethods: ['CARD', 'KAKAOPAY', 'NAVERPAY'] as const,
  availableByDefault: ['CARD'] as const,
};

describe('buildMethodsCatalog', () => {
  it('lists CARD available and the others planned by default', () => {
    const catalog = buildMethodsCatalog(card, {});
    expect(catalog.defaultMethod).toBe('CARD');
    expect(catalog.methods.map((m) => [m.code, m.status, m.enabled])).toEqual([
      ['CARD', 'AVAILABLE', true],
      ['KAKAOPAY', 'PLANNED', false],
      ['NAVERPAY', 'PLANNED', false],
    ]);
  });

  it('applies overrides, and the default follows the first enabled method', () => {
    const catalog = buildMethodsCatalog(card, { CARD: 'MAINTENANCE', KAKAOPAY: 'AVAILABLE' });
    expect(catalog.defaultMethod).toBe('KAKAOPAY');
    expect(catalog.methods[0]).toMatchObject({ code: 'CARD', enabled: false, status: 'MAINTENANCE' });
  });

  it('has no default when nothing is enabled', () => {
    expect(buildMethodsCatalog(card, { CARD: 'DISABLED' }).defaultMethod).toBeNull();
  });
});
