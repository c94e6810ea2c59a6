// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Concrete payment providers: only the gateway factory module may import them. */
const CONCRETE_PROVIDERS = ['**/gateway/wallet*', '**/gateway/mock*', '**/gateway/pg-ready*'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // public/: the demo page and the admin console, plain ES modules run by the browser as they are (no
    // build step). socket.io's client, served by the server, is the one global the pages use besides the
    // browser's own.
    files: ['public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { ...globals.browser, io: 'readonly' },
    },
  },
  {
    // Reservation, payment and refund code sees only the PaymentGateway port.
    files: ['src/**/*.ts'],
    ignores: ['src/modules/payment/gateway/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: CONCRETE_PROVIDERS, message: 'Depend on PAYMENT_GATEWAY (payment-gateway.port.ts), not a provider.' },
          ],
        },
      ],
    },
  },
  {
    // Tests and benchmarks share helpers through support/, never through each other's folders.
    files: ['bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/test/**'], message: 'bench/ does not import test/: share it through support/.' }] },
      ],
    },
  },
  {
    files: ['support/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/test/**', '**/bench/**'], message: 'support/ serves test/ and bench/: imports neither.' }] },
      ],
    },
  },
  {
    // process.env is read only by src/config and the data-source file.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/database/data-source.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Use AppConfig.' }],
    },
  },
);
