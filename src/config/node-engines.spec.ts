import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { minVersion, subset, validRange } from 'semver';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')) as {
  packages: Record<string, { engines?: Record<string, unknown> }>;
};
const ours = pkg.engines.node;

/**
 * A dependency whose `engines.node` excludes the running Node makes `npm ci` print EBADENGINE, which
 * .ci/run fails on (and a user on that Node sees as a warning wall). So every Node version that
 * package.json allows must be one that every package npm ci installs (package-lock.json) allows, and
 * the README and the Docker image must name the same minimum.
 */
describe('the Node version the project asks for', () => {
  it('is allowed by every locked dependency', () => {
    expect(validRange(ours)).not.toBeNull();
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .map(([path, entry]) => ({ path, node: entry.engines?.node }))
      .filter((dep): dep is { path: string; node: string } => typeof dep.node === 'string')
      .filter((dep) => !subset(ours, dep.node))
      .map((dep) => `${dep.path} needs ${dep.node}`);
    expect(refusing).toEqual([]);
  });

  const minimum = minVersion(ours)?.version;

  it('is the minimum the README states', () => {
    expect(/Needs \*\*Node (\d+\.\d+\.\d+)\*\* or later/.exec(read('README.md'))?.[1]).toBe(minimum);
  });

  it("is the version of the Dockerfile's node base image in every stage", () => {
    const froms = DockerfileParser.parse(read('Dockerfile')).getFROMs();
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) {
      expect(from.getImageName()).toBe('node');
      expect(/^(\d+\.\d+\.\d+)-/.exec(from.getImageTag() ?? '')?.[1]).toBe(minimum);
    }
  });
});
