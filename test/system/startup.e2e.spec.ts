import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, OwnedProcess } from '../../support/processes';
import { TEST_DATABASE_URL, TEST_JWT_SECRET } from '../support/test-env';
import { until } from '../support/wait';

/** The real entry point (src/main.ts) as an operator starts it, with only the environment given here. */
const ROOT = resolve(__dirname, '../..');

describe('startup of the real entry point', () => {
  it('stops with one clear line per configuration problem and no stack trace', async () => {
    const proc = OwnedProcess.start(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
      {
        cwd: ROOT,
        // A clean environment: nothing from the developer's shell or the jest process leaks in.
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          PAYMENT_PROVIDER: 'paypal',
          HOLD_TTL_SECONDS: 'abc',
        },
      },
    );
    try {
      await proc.exited;
      expect(proc.child.exitCode).toBe(1);
      const lines = proc.tail.split('\n').filter((l) => l.trim() !== '');
      expect(lines.filter((l) => l.includes('PAYMENT_PROVIDER'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('HOLD_TTL_SECONDS'))).toHaveLength(1);
      expect(lines.find((l) => l.includes('PAYMENT_PROVIDER'))).toContain('paypal');
      expect(proc.tail).not.toMatch(/^\s+at /m);
      expect(proc.tail).not.toMatch(/Error:|\.ts:\d+/);
      // Nothing else but the problem report: no port was opened, no database was touched.
      expect(proc.tail).not.toContain('listening');
    } finally {
      await proc.stop('SIGKILL');
    }
  }, 40_000);

  it('listens on 127.0.0.1 only by default, reads .env, and ends its output with a plain banner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'checkout-start-'));
    // A .env in the working directory, as `cp .env.example .env` makes: the environment wins over it.
    writeFileSync(
      join(dir, '.env'),
      'PAYMENT_PROVIDER=wallet\nPAYMENT_METHOD_STATUS_OVERRIDES=KAKAOPAY=available\n',
    );
    const port = await freePort();
    const proc = OwnedProcess.start(process.execPath, [join(ROOT, 'dist', 'main.js')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        DATABASE_URL: TEST_DATABASE_URL,
        JWT_SECRET: TEST_JWT_SECRET,
        PORT: String(port),
        PAYMENT_PROVIDER: 'mock',
        SEED_DEMO_DATA: 'false',
        LOG_LEVEL: 'info', // the default: start-up's own lines, then the banner
      },
    });
    try {
      await until(
        async () => proc.tail.includes('Ticket checkout is ready') || !proc.running,
        60_000,
        'the banner',
      );
      expect(proc.running).toBe(true);
      expect(proc.tail).toContain(`Ticket checkout is ready on http://127.0.0.1:${port}`);
      expect(proc.tail).toContain('payments    mock (CARD_MOCK_SIMULATION)'); // the environment won
      expect(proc.tail).not.toContain('log in as'); // no demo logins without demo data
      // The banner is the last thing printed.
      expect(proc.tail.trimEnd().split('\n').at(-1)).toMatch(/^─+$/);
      const methods = (await (await fetch(`http://127.0.0.1:${port}/api/payments/methods`)).json()) as {
        provider: string;
        methods: { code: string; status: string }[];
      };
      expect(methods.provider).toBe('mock');
      // ... and what only .env set was read.
      expect(methods.methods.find((m) => m.code === 'KAKAOPAY')?.status).toBe('AVAILABLE');
      // Bound to the loopback address, not 0.0.0.0: /proc/net/tcp lists local addresses in hex.
      const portHex = port.toString(16).toUpperCase().padStart(4, '0');
      const listening = readFileSync('/proc/net/tcp', 'utf8')
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter((cols) => cols[1]?.endsWith(`:${portHex}`) && cols[3] === '0A');
      expect(listening.map((cols) => cols[1])).toEqual([`0100007F:${portHex}`]);
    } finally {
      await proc.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
