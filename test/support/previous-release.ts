import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * The previous release's commit, read from CHANGELOG.md: the first `## <version> — <date> — commit <hash>`
 * line after "## Unreleased" (git tags may not travel with the repository; this file does).
 */
export function previousReleaseCommit(changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')): string {
  const released = changelog.split(/^## Unreleased$/m)[1] ?? '';
  const match = /^## \S+ — \d{4}-\d{2}-\d{2} — commit ([0-9a-f]{40})$/m.exec(released);
  if (!match) throw new Error('CHANGELOG.md names no released commit below "## Unreleased"');
  return match[1];
}

/**
 * The previous release's compiled code in a directory of its own (kept between runs, keyed by commit):
 * `git archive` of the commit, node_modules hard-linked from this checkout when package-lock.json is the
 * same (else `npm ci`), then its own `npm run build`. Answers the directory holding dist/main.js.
 */
export function buildRelease(commit: string): string {
  const dir = join(tmpdir(), `checkout-release-${commit.slice(0, 12)}`);
  if (existsSync(join(dir, 'dist', 'main.js'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const run = (cmd: string, args: string[], cwd = ROOT) =>
    execFileSync(cmd, args, { cwd, stdio: 'pipe', timeout: 300_000, maxBuffer: 64 << 20 });
  const archive = run('git', ['archive', '--format=tar', commit]);
  execFileSync('tar', ['-x', '-C', dir], { input: archive, stdio: ['pipe', 'pipe', 'pipe'] });
  const sameLock = readFileSync(join(dir, 'package-lock.json')).equals(
    readFileSync(join(ROOT, 'package-lock.json')),
  );
  if (sameLock) run('cp', ['-al', join(ROOT, 'node_modules'), join(dir, 'node_modules')]);
  else run('npm', ['ci', '--no-audit', '--no-fund'], dir);
  run('npm', ['run', 'build', '--silent'], dir);
  if (!existsSync(join(dir, 'dist', 'main.js'))) throw new Error(`building ${commit} gave no dist/main.js`);
  return dir;
}
