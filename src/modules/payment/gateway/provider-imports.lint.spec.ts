import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..', '..');

/** Lints `code` as if it were the file `file`, with the project's own ESLint config (as CI does). */
function restrictedImportErrors(file: string, code: string): number {
  let output: string;
  try {
    output = execFileSync(
      join(root, 'node_modules/.bin/eslint'),
      ['--stdin', '--stdin-filename', file, '--format', 'json'],
      { cwd: root, input: code, encoding: 'utf8' },
    );
  } catch (err) {
    output = (err as { stdout: string }).stdout; // eslint exits 1 when it reports errors
  }
  const [result] = JSON.parse(output) as { messages: { ruleId: string | null }[] }[];
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').length;
}

/**
 * The seam is enforced by lint (run in CI): outside payment/gateway/, importing a concrete provider fails.
 * This spec proves the rule bites, so a config change cannot silently switch it off.
 */
describe('concrete payment providers are imported only by the gateway module', () => {
  it('refuses reservation and refund code importing a provider', () => {
    const wallet =
      "import { WalletPaymentGateway } from '../payment/gateway/wallet.gateway';\nexport const x = WalletPaymentGateway;\n";
    expect(restrictedImportErrors('src/modules/reservation/probe.ts', wallet)).toBe(1);
    const mock =
      "import { MockPaymentGateway } from '../payment/gateway/mock.gateway';\nexport const x = MockPaymentGateway;\n";
    expect(restrictedImportErrors('src/modules/refund/probe.ts', mock)).toBe(1);
  });

  it('allows the port everywhere and providers inside gateway/', () => {
    const port =
      "import { PAYMENT_GATEWAY } from '../payment/gateway/payment-gateway.port';\nexport const x = PAYMENT_GATEWAY;\n";
    expect(restrictedImportErrors('src/modules/reservation/probe.ts', port)).toBe(0);
    const inside =
      "import { MockPaymentGateway } from './mock.gateway';\nexport const x = MockPaymentGateway;\n";
    expect(restrictedImportErrors('src/modules/payment/gateway/probe.ts', inside)).toBe(0);
  });
});
