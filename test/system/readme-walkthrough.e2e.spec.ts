import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppChild, startAppChild } from '../support/app-child';
import { freePort, OwnedProcess } from '../../support/processes';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

/** The walkthrough blocks of docs/getting-started.md: `<!-- readme-walkthrough: tags -->` then a ```bash block. */
function walkthroughBlocks(): { tags: string[]; script: string }[] {
  const readme = readFileSync(join(ROOT, 'docs', 'getting-started.md'), 'utf8');
  const blocks = [...readme.matchAll(/<!-- readme-walkthrough: ([\w -]+) -->\n```bash\n([\s\S]*?)```/g)];
  return blocks.map(([, tags, script]) => ({ tags: tags.trim().split(/\s+/), script }));
}

/**
 * One bash, kept open across the steps as a reader's terminal is (`-euo pipefail`: any failed step ends
 * it, and fails the spec). Each step's blocks run with `source`, so variables and functions carry over.
 */
class ReaderShell {
  private readonly bash: OwnedProcess;
  private stdout = '';
  private steps = 0;

  constructor(private readonly dir: string) {
    this.bash = OwnedProcess.start('bash', ['-euo', 'pipefail'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
    });
    this.bash.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
  }

  /** Runs `script` in the shell; resolves with what it printed, or fails with the shell's output. */
  async run(script: string): Promise<string> {
    const step = ++this.steps;
    const file = join(this.dir, `step-${step}.sh`);
    writeFileSync(file, script);
    const start = this.stdout.length;
    const done = `@@step ${step} done`;
    this.bash.child.stdin!.write(`source ${file} </dev/null\necho '${done}'\n`);
    await until(async () => this.stdout.includes(done) || !this.bash.running, 150_000, `step ${step}`);
    if (!this.stdout.includes(done)) throw new Error(`the shell stopped in step ${step}:\n${this.bash.tail}`);
    return this.stdout.slice(start, this.stdout.indexOf(done));
  }

  stop(): Promise<void> {
    return this.bash.stop('SIGKILL');
  }
}

/**
 * The curl walkthrough of docs/getting-started.md, as a newcomer follows it: `npm start` (the embedded default: no
 * DATABASE_URL, no JWT_SECRET, demo data), the setup block and the mock blocks pasted into one shell;
 * then Ctrl-C, `PAYMENT_PROVIDER=wallet npm start`, and the wallet blocks in the same shell, with the
 * token it logged in with before the restart; then the same for pg-ready.
 */
describe('the getting-started curl walkthrough, block by block, restarting the service between providers', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'checkout-walkthrough-'));
  chmodSync(workDir, 0o755); // the embedded server's own user must reach its data when we run as root
  const steps: [string, Record<string, string>, string[]][] = [
    ['mock', {}, ['PAYING', 'CONFIRMED', 'REFUNDED', 'RETRY_CONFIRM']],
    // The demo concert's first free seat is in its VIP zone (150000): topped up by as much, back to 200000.
    ['wallet', { WALLET_SELF_CHARGE: 'true' }, ['350000', '150000\nCONFIRMED\n200000']],
    [
      'pg-ready',
      { PG_READY_WEBHOOK_SECRET: 'whsec_dev' },
      ['WAIT_WEBHOOK', '"result":"CONFIRMED"', 'CONFIRMED'],
    ],
  ];
  let shell: ReaderShell;
  let port: number;
  let child: AppChild | undefined;
  const pasted = new Set<string>();

  beforeAll(async () => {
    shell = new ReaderShell(workDir);
    port = await freePort();
  });
  afterAll(async () => {
    await child?.proc.stop('SIGTERM', 20_000);
    await shell?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }, 30_000);

  it('has a setup block and blocks for each provider', () => {
    const tags = walkthroughBlocks().flatMap((b) => b.tags);
    for (const tag of ['setup', 'mock', 'wallet', 'pg-ready']) expect(tags).toContain(tag);
  });

  it.each(steps)(
    'runs with PAYMENT_PROVIDER=%s',
    async (provider, env, expected) => {
      const first = provider === steps[0][0];
      // In the page's order, each block once: the first provider's step also runs the setup block and
      // the blocks it shares with later providers (a reader does not paste those again after a restart).
      const blocks = walkthroughBlocks().filter(
        (b) => !pasted.has(b.script) && (b.tags.includes(provider) || (first && b.tags.includes('setup'))),
      );
      for (const b of blocks) pasted.add(b.script);
      // Ctrl-C, then `PAYMENT_PROVIDER=… npm start` on the same data directory and port.
      await child?.proc.stop('SIGTERM', 20_000);
      child = await startAppChild(
        {
          DATABASE_URL: '',
          JWT_SECRET: '',
          EMBEDDED_DATA_DIR: join(workDir, 'data'),
          PAYMENT_PROVIDER: provider,
          SEED_DEMO_DATA: 'true',
          RATE_LIMIT_ENABLED: 'true',
          ...env,
        },
        { port },
      );
      const script = (first ? `API=${child.url}\n` : '') + blocks.map((b) => b.script).join('\n');
      const output = await shell.run(script);
      for (const text of expected) expect(output).toContain(text);
      expect(output).not.toContain('undefined');
    },
    180_000,
  );
});
