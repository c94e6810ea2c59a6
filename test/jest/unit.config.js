/* global module, require */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads configs as CommonJS
const tier = require('./tier');

/** Unit tier: pure rules beside the code (src/) and the test support's own checks; no database, in parallel. */
module.exports = tier(['src/**/*.spec.ts', 'test/support/**/*.spec.ts'], { globalSetup: undefined });
