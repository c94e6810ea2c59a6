import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerStages } from '../../test/support/dockerfile-stages';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/**
 * The quick half of the image check, inside `npm test`: a file that `npm run build` runs with node must
 * reach the build stage. The whole stages are replayed by `npm run check:image` (a CI step of its own).
 */
describe('the Dockerfile', () => {
  const stages = parseDockerStages(read('Dockerfile'));
  const build = stages.find((stage) =>
    stage.steps.some((s) => s.kind === 'run' && /npm run build/.test(s.command)),
  );

  it('copies into the build stage every file the build scripts run with node', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const run = ['prebuild', 'build', 'postbuild']
      .map((name) => scripts[name] ?? '')
      .flatMap((script) =>
        [...script.matchAll(/\bnode\s+(?:--\S+\s+)*([\w./-]+\.[cm]?js)\b/g)].map((m) => m[1]),
      );
    expect(run.length).toBeGreaterThan(0);
    const copied = (build?.steps ?? []).flatMap((s) => (s.kind === 'copy' && !s.from ? s.sources : []));
    const missing = run.filter(
      (file) => !copied.some((source) => file === source || file.startsWith(`${source}/`)),
    );
    expect(missing).toEqual([]);
  });
});
