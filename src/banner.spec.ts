import type { NetworkInterfaceInfo } from 'node:os';
import { loadConfig } from './config/app-config';
import { startupBanner } from './banner';

/** A machine with a LAN address, a Docker bridge, an IPv6 address and loopback. */
const INTERFACES: NodeJS.Dict<NetworkInterfaceInfo[]> = {
  lo: [
    {
      address: '127.0.0.1',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: '127.0.0.1/8',
    },
  ],
  eth0: [
    {
      address: '192.168.1.20',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '02:42:ac:11:00:02',
      internal: false,
      cidr: '192.168.1.20/24',
    },
    {
      address: 'fe80::1',
      netmask: 'ffff:ffff:ffff:ffff::',
      family: 'IPv6',
      mac: '02:42:ac:11:00:02',
      internal: false,
      cidr: 'fe80::1/64',
      scopeid: 2,
    },
  ],
  docker0: [
    {
      address: '172.17.0.1',
      netmask: '255.255.0.0',
      family: 'IPv4',
      mac: '02:42:ac:11:00:03',
      internal: false,
      cidr: '172.17.0.1/16',
    },
  ],
};

describe('the start-up banner', () => {
  it('on a loopback HOST names that address only', () => {
    const banner = startupBanner(loadConfig({ PORT: '3000' }), 'CARD_MOCK_SIMULATION', INTERFACES);
    expect(banner).toContain('Ticket checkout is ready on http://127.0.0.1:3000');
    expect(banner).not.toContain('192.168.1.20');
  });

  it('on HOST=0.0.0.0 names every address the machine is reachable at, not only 127.0.0.1', () => {
    const banner = startupBanner(
      loadConfig({ PORT: '3000', HOST: '0.0.0.0' }),
      'CARD_MOCK_SIMULATION',
      INTERFACES,
    );
    const readyLine = banner.split('\n').find((l) => l.includes('is ready on'))!;
    expect(readyLine).toContain('http://192.168.1.20:3000');
    expect(readyLine).toContain('http://172.17.0.1:3000');
    expect(readyLine).toContain('http://127.0.0.1:3000');
    expect(readyLine).toContain('listening on 0.0.0.0');
    expect(readyLine).not.toContain('fe80'); // IPv4 addresses only: HOST=0.0.0.0 does not listen on IPv6
  });
});
