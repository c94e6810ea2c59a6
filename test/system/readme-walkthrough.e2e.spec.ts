import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppChild, startAppChild } from '../support/app-child';
import { resetDatabaseAt } from '../support/db';
import { TEST_DATABASE_URL } from '../support/test-env';

const ROOT = join(__dirname, '..', '..');

/** The README's walkthrough blocks: `<!-- readme-walkthrough: tags -->` then a ```bash block. */
function walkthroughBlocks(): { tags: string[]; script: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/<!-- readme-walkthrough: ([\w -]+) -->\n```bash\n([\s\S]*?)```/g)];
  return blocks.map(([, tags, script]) => ({ tags: tags.trim().split(/\s+/), script }));
}

/**
 * The README's curl walkthrough, run as a newcomer would paste it: the setup block and then the blocks
 * for one provider, in one bash (`-euo pipefail`, so any failed step fails the spec), against the built
 * service started the way the README says, with demo data.
 */
describe('the README walkthrough, block by block', () => {
  const providers: [string, Record<string, string>, string[]][] = [
    ['mock', {}, ['PAYING', 'CONFIRMED', 'REFUNDED', 'RETRY_CONFIRM']],
    ['wallet', { WALLET_SELF_CHARGE: 'true' }, ['300000', 'CONFIRMED', '200000']],
    [
      'pg-ready',
      { PG_READY_WEBHOOK_SECRET: 'whsec_dev' },
      ['WAIT_WEBHOOK', '"result":"CONFIRMED"', 'CONFIRMED'],
    ],
  ];

  beforeAll(() => resetDatabaseAt(TEST_DATABASE_URL));

  it('has a setup block and blocks for each provider', () => {
    const tags = walkthroughBlocks().flatMap((b) => b.tags);
    for (const tag of ['setup', 'mock', 'wallet', 'pg-ready']) expect(tags).toContain(tag);
  });

  it.each(providers)(
    'runs with PAYMENT_PROVIDER=%s',
    async (provider, env, expected) => {
      const blocks = walkthroughBlocks().filter((b) => b.tags.includes('setup') || b.tags.includes(provider));
      let child: AppChild | undefined;
      try {
        child = await startAppChild({
          PAYMENT_PROVIDER: provider,
          SEED_DEMO_DATA: 'true',
          RATE_LIMIT_ENABLED: 'true',
          ...env,
        });
        const run = spawnSync('bash', ['-euo', 'pipefail', '-c', blocks.map((b) => b.script).join('\n')], {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: process.env.HOME ?? '/tmp',
            API: child.url,
          },
          encoding: 'utf8',
          timeout: 120_000,
        });
        const output = `${run.stdout}\n${run.stderr}`;
        expect({ status: run.status, output }).toEqual({ status: 0, output: expect.any(String) });
        for (const text of expected) expect(run.stdout).toContain(text);
        expect(output).not.toContain('undefined');
      } finally {
        await child?.proc.stop('SIGTERM');
      }
    },
    180_000,
  );
});
