/* global process, console, require, __dirname */
/**
 * `npm test`: builds (the system tier runs dist/main.js), then runs the three test tiers one after the
 * other: unit (parallel), service (TEST_WORKERS jest workers, default 2, each on its own database and Redis
 * index), system (--runInBand). Every tier runs even if an earlier one failed; the exit code is non-zero
 * if any failed, and each tier's time is printed at the end, below jest's own summaries. Arguments go to
 * every tier's jest (`npm test -- --verbose`).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain node script
const { spawnSync } = require('node:child_process');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const JEST = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const TIERS = [
  { name: 'unit', args: ['-c', 'test/jest/unit.config.js'] },
  { name: 'service', args: ['-c', 'test/jest/service.config.js'] },
  { name: 'system', args: ['-c', 'test/jest/system.config.js', '--runInBand'] },
];

function run(command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  return { status: result.status ?? 1, seconds: (Date.now() - started) / 1000 };
}

const build = run('npm', ['run', 'build', '--silent']);
if (build.status !== 0) process.exit(build.status);

const results = TIERS.map((tier) => {
  console.log(`\n==== ${tier.name} tier ====`);
  return { ...tier, ...run(process.execPath, [JEST, ...tier.args, ...process.argv.slice(2)]) };
});

console.log(`\nbuild ${build.seconds.toFixed(1)} s`);
for (const r of results) console.log(`${r.name} tier: ${r.status === 0 ? 'passed' : 'FAILED'} in ${r.seconds.toFixed(1)} s`);
const total = build.seconds + results.reduce((sum, r) => sum + r.seconds, 0);
console.log(`all tiers: ${total.toFixed(1)} s`);
process.exit(results.some((r) => r.status !== 0) ? 1 : 0);
