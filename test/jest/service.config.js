/* global module, require */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads configs as CommonJS
const tier = require('./tier');

/**
 * Service tier: medium specs, the architecture check and the e2e specs whose apps run inside jest, on real
 * PostgreSQL and Redis. Several workers, each on its own database (a copy of the template global-setup
 * migrates once) and Redis index (test/support/test-env.ts).
 */
module.exports = tier(['test/medium/**/*.spec.ts', 'test/architecture/**/*.spec.ts', 'test/e2e/**/*.spec.ts'], {
  maxWorkers: tier.serviceWorkers(),
});
