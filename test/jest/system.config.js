/* global module, require */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads configs as CommonJS
const tier = require('./tier');

/**
 * System tier: specs that start `node dist/main.js` (build first), three instances behind nginx, Chromium,
 * the embedded default and the crash specs. Run with --runInBand: each takes most of the machine.
 */
module.exports = tier(['test/system/**/*.spec.ts']);
