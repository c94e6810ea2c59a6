/** ES-module-only packages that jest must compile to CommonJS (see babel.config.jest.js). */
const ESM_PACKAGES = [
  '@nestjs',
  'file-type',
  'strtok3',
  'token-types',
  'uint8array-extras',
  '@tokenizer',
  '@borewit',
  // ESM-only dependency of @fastify/static, nested under its node_modules (both path segments must pass)
  '@fastify/static/node_modules/content-disposition',
  'content-disposition',
];

/**
 * Every spec in one jest run (what `npx jest <file>` uses). `npm test` runs the same specs in three tiers
 * instead, each with a config of its own under test/jest/ (unit, service, system); see README, Tests.
 */
module.exports = {
  moduleFileExtensions: ['js', 'mjs', 'cjs', 'json', 'ts'],
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
    '^.+\\.m?js$': ['babel-jest', { configFile: './babel.config.jest.js' }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  testEnvironment: '<rootDir>/test/support/leak-reporting-environment.js',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 30000,
  // No forceExit: a spec that leaves something open must be found, not hidden. This reporter turns
  // such a leak into a failure that names it, 10 s after the last spec, instead of a hung CI run.
  reporters: ['default', '<rootDir>/test/support/open-handles-reporter.js'],
};
