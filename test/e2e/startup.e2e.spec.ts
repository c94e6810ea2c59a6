import { resolve } from 'node:path';
import { OwnedProcess } from '../support/child-process';

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
});
