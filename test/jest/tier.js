/* global module, require, __dirname, process */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads configs as CommonJS
const { join } = require('node:path');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const base = require('../../jest.config.js');

const ROOT = join(__dirname, '..', '..');

/** One tier's jest config: the shared one (jest.config.js) limited to the tier's spec files. */
module.exports = function tier(testMatch, overrides = {}) {
  return { ...base, rootDir: ROOT, testMatch: testMatch.map((glob) => `<rootDir>/${glob}`), ...overrides };
};

/** Service-tier workers: 2 by default (the CI machine has 2 cores), TEST_WORKERS=<n> for another machine. */
module.exports.serviceWorkers = () => Math.max(1, Number(process.env.TEST_WORKERS) || 2);
