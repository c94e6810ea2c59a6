import { HostResolver, isPublicAddress, refusedTarget } from './target-policy';

/** DNS as a table: the one seam these rules may fake. */
const resolver = (table: Record<string, string[]>): HostResolver => ({
  resolve: async (host) => {
    await Promise.resolve();
    if (!table[host]) throw new Error('ENOTFOUND');
    return table[host];
  },
});

describe('webhook target policy (SSRF)', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '0.1.2.3',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:a9fe:a9fe',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    ['http://2130706433/hook', '127.0.0.1'],
    ['http://0x7f000001/hook', '127.0.0.1'],
    ['http://017700000001/hook', '127.0.0.1'],
    ['http://127.1/hook', '127.0.0.1'],
    ['http://[::ffff:127.0.0.1]/hook', '::ffff:7f00:1'],
    ['http://[::1]:8080/hook', '::1'],
    ['https://0/hook', '0.0.0.0'],
  ])('refuses the numeric spelling %s', async (url, spelled) => {
    expect(await refusedTarget(new URL(url), resolver({}))).toBe(`${spelled} is not a public address`);
  });

  it('refuses a name that resolves to a private address (any of its addresses), or does not resolve', async () => {
    const dns = resolver({
      'internal.example.com': ['10.0.0.5'],
      'mixed.example.com': ['93.184.216.34', '::ffff:192.168.0.1'],
      'localhost.example.com': ['127.0.0.1'],
      'crm.example.com': ['93.184.216.34', '2606:2800:220:1::1'],
    });
    expect(await refusedTarget(new URL('https://internal.example.com/x'), dns)).toMatch(
      /resolves to 10\.0\.0\.5/,
    );
    expect(await refusedTarget(new URL('https://mixed.example.com/x'), dns)).toMatch(
      /resolves to ::ffff:192\.168\.0\.1/,
    );
    expect(await refusedTarget(new URL('https://localhost.example.com/x'), dns)).toMatch(/127\.0\.0\.1/);
    expect(await refusedTarget(new URL('https://nowhere.example.com/x'), dns)).toMatch(/does not resolve/);
    expect(await refusedTarget(new URL('https://crm.example.com/x'), dns)).toBeUndefined();
    expect(await refusedTarget(new URL('https://93.184.216.34/x'), dns)).toBeUndefined();
  });
});
