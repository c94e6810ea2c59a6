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

/** One jest run: unit specs beside the code (src/), medium and e2e specs under test/. */
module.exports = {
  moduleFileExtensions: ['js', 'mjs', 'cjs', 'json', 'ts'],
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
    '^.+\\.m?js$': ['babel-jest', { configFile: './babel.config.jest.js' }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 30000,
  // No forceExit: a spec that leaves something open must be found, not hidden. This reporter turns
  // such a leak into a failure that names it, 10 s after the last spec, instead of a hung CI run.
  reporters: ['default', '<rootDir>/test/support/open-handles-reporter.js'],
};
