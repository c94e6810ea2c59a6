import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environment } from './env-file';
import { AppConfig, ConfigValidationError, loadConfig } from './app-config';

/** Runs loadConfig and returns the ConfigValidationError it must throw. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigValidationError);
    return (err as ConfigValidationError).problems;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw`);
}

describe('loadConfig', () => {
  describe('defaults (empty environment)', () => {
    let config: AppConfig;
    beforeAll(() => {
      config = loadConfig({});
    });

    it('MASS_REFUND_PER_SECOND takes 1..1000 and MOCK_REFUND_OUTCOME approve|fail only', () => {
      expect(loadConfig({ MASS_REFUND_PER_SECOND: '1000', MOCK_REFUND_OUTCOME: 'fail' })).toMatchObject({
        massRefundPerSecond: 1000,
        mockRefundOutcome: 'fail',
      });
      expect(() => loadConfig({ MASS_REFUND_PER_SECOND: '0' })).toThrow(/MASS_REFUND_PER_SECOND/);
      expect(() => loadConfig({ MASS_REFUND_PER_SECOND: '1001' })).toThrow(/MASS_REFUND_PER_SECOND/);
      expect(() => loadConfig({ MOCK_REFUND_OUTCOME: 'decline' })).toThrow(/MOCK_REFUND_OUTCOME/);
    });

    it('uses the documented default for every variable', () => {
      expect(config).toBeInstanceOf(AppConfig);
      expect(config.port).toBe(3000);
      expect(config.paymentProvider).toBe('mock');
      expect(config.mockPaymentOutcome).toBe('approve');
      expect(config.mockRefundOutcome).toBe('approve');
      expect(config.massRefundPerSecond).toBe(20);
      expect(config.holdTtlSeconds).toBe(300);
      expect(config.refundCutoffHours).toBe(24);
      expect(config.maxActiveHoldsPerUser).toBe(4);
      expect(config.walletInitialBalance).toBe(200000);
      expect(config.defaultTicketPrice).toBe(100000);
      expect(config.jwtTtlSeconds).toBe(3600);
      expect(config.adminConsoleMinimumRole).toBe('ADMIN');
      expect(config.rateLimitEnabled).toBe(true);
      expect(config.pgReadyLive).toBe(false);
      expect(config.paymentMethodStatusOverrides).toEqual({});
      expect(config.kafkaTopic).toBe('ticket-push-events');
    });

    it('leaves optional infrastructure unset: embedded database, in-process scheduler and bus', () => {
      expect(config.databaseUrl).toBeUndefined();
      expect(config.databaseIsEmbedded).toBe(true);
      expect(config.embeddedDataDir).toBe('./.data');
      expect(config.redisUrl).toBeUndefined();
      expect(config.kafkaBrokers).toBeUndefined();
      expect(config.adminUsername).toBeUndefined();
      expect(config.adminPassword).toBeUndefined();
      expect(config.pgReadyWebhookSecret).toBeUndefined();
    });

    it('seeds demo data by default only for the embedded database', () => {
      expect(config.seedDemoData).toBe(true);
      expect(loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' }).seedDemoData).toBe(false);
      expect(
        loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x', SEED_DEMO_DATA: 'true' })
          .seedDemoData,
      ).toBe(true);
      expect(loadConfig({ SEED_DEMO_DATA: 'false' }).seedDemoData).toBe(false);
    });

    it('refuses the demo passwords on a network address unless ALLOW_DEMO_CREDENTIALS says it is a lab', () => {
      expect(config.allowDemoCredentials).toBe(false);
      expect(loadConfig({ ALLOW_DEMO_CREDENTIALS: 'true' }).allowDemoCredentials).toBe(true);
      expect(() => loadConfig({ ALLOW_DEMO_CREDENTIALS: 'maybe' })).toThrow(/ALLOW_DEMO_CREDENTIALS/);
      expect(config.reachableFromNetwork).toBe(false);
      expect(loadConfig({ HOST: 'localhost' }).reachableFromNetwork).toBe(false);
      expect(loadConfig({ HOST: '::1' }).reachableFromNetwork).toBe(false);
      expect(loadConfig({ HOST: '0.0.0.0' }).reachableFromNetwork).toBe(true);
      expect(loadConfig({ HOST: 'tickets.lan' }).reachableFromNetwork).toBe(true);
    });

    it('generates a random JWT secret per process when none is configured', () => {
      const other = loadConfig({});
      expect(config.jwtSecretGenerated).toBe(true);
      expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
      expect(other.jwtSecret).not.toBe(config.jwtSecret);
      const fixed = loadConfig({ JWT_SECRET: 'a-configured-secret-value' });
      expect(fixed.jwtSecret).toBe('a-configured-secret-value');
      expect(fixed.jwtSecretGenerated).toBe(false);
    });
  });

  it('reads explicit values', () => {
    const config = loadConfig({
      PORT: '8080',
      PAYMENT_PROVIDER: 'wallet',
      HOLD_TTL_SECONDS: '60',
      REFUND_CUTOFF_HOURS: '48',
      MAX_ACTIVE_HOLDS_PER_USER: '0',
      WALLET_INITIAL_BALANCE: '5000',
      DEFAULT_TICKET_PRICE: '0',
      JWT_TTL_SECONDS: '120',
      ADMIN_CONSOLE_MINIMUM_ROLE: 'USER',
      RATE_LIMIT_ENABLED: 'false',
      KAFKA_BROKERS: 'a:9092, b:9092',
    });
    expect(config).toMatchObject({
      port: 8080,
      paymentProvider: 'wallet',
      holdTtlSeconds: 60,
      refundCutoffHours: 48,
      maxActiveHoldsPerUser: 0,
      walletInitialBalance: 5000,
      defaultTicketPrice: 0,
      jwtTtlSeconds: 120,
      adminConsoleMinimumRole: 'USER',
      rateLimitEnabled: false,
      kafkaBrokers: ['a:9092', 'b:9092'],
    });
  });

  it('rejects an unknown PAYMENT_PROVIDER with exactly one line naming it', () => {
    const problems = problemsOf({ PAYMENT_PROVIDER: 'paypal' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^PAYMENT_PROVIDER: /);
    expect(problems[0]).toContain('paypal');
  });

  it('reports every bad value, one line each', () => {
    const problems = problemsOf({
      PAYMENT_PROVIDER: 'paypal',
      HOLD_TTL_SECONDS: 'abc',
      PORT: '-1',
      RATE_LIMIT_ENABLED: 'maybe',
      ADMIN_CONSOLE_MINIMUM_ROLE: 'ROOT',
    });
    expect(problems).toHaveLength(5);
    for (const name of [
      'PAYMENT_PROVIDER',
      'HOLD_TTL_SECONDS',
      'PORT',
      'RATE_LIMIT_ENABLED',
      'ADMIN_CONSOLE_MINIMUM_ROLE',
    ]) {
      expect(problems.filter((p) => p.startsWith(`${name}: `))).toHaveLength(1);
    }
    for (const p of problems) expect(p).not.toContain('\n');
  });

  it('puts one line per problem in the error message', () => {
    let error: ConfigValidationError | undefined;
    try {
      loadConfig({ PAYMENT_PROVIDER: 'paypal', HOLD_TTL_SECONDS: 'abc' });
    } catch (err) {
      error = err as ConfigValidationError;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const lines = error!.message.split('\n');
    expect(lines[0]).toBe('Invalid configuration:');
    expect(lines.slice(1)).toHaveLength(2);
    expect(lines.filter((l) => l.includes('PAYMENT_PROVIDER'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('HOLD_TTL_SECONDS'))).toHaveLength(1);
  });

  it.each(['0', '3601', '-5', '1.5', 'abc'])('rejects HOLD_TTL_SECONDS=%s', (value) => {
    const problems = problemsOf({ HOLD_TTL_SECONDS: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^HOLD_TTL_SECONDS: /);
  });

  it('accepts the HOLD_TTL_SECONDS bounds 1 and 3600', () => {
    expect(loadConfig({ HOLD_TTL_SECONDS: '1' }).holdTtlSeconds).toBe(1);
    expect(loadConfig({ HOLD_TTL_SECONDS: '3600' }).holdTtlSeconds).toBe(3600);
  });

  it('requires PG_READY_WEBHOOK_SECRET for pg-ready', () => {
    const problems = problemsOf({ PAYMENT_PROVIDER: 'pg-ready' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^PG_READY_WEBHOOK_SECRET: /);
    // Blank counts as missing.
    expect(problemsOf({ PAYMENT_PROVIDER: 'pg-ready', PG_READY_WEBHOOK_SECRET: '  ' })).toHaveLength(1);
    const ok = loadConfig({ PAYMENT_PROVIDER: 'pg-ready', PG_READY_WEBHOOK_SECRET: 'whsec_x' });
    expect(ok.paymentProvider).toBe('pg-ready');
    expect(ok.pgReadyWebhookSecret).toBe('whsec_x');
  });

  it('requires JWT_SECRET in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^JWT_SECRET: /);
  });

  it('parses PAYMENT_METHOD_STATUS_OVERRIDES case-insensitively', () => {
    expect(
      loadConfig({ PAYMENT_METHOD_STATUS_OVERRIDES: 'KAKAOPAY=available, naverpay = Maintenance' })
        .paymentMethodStatusOverrides,
    ).toEqual({ KAKAOPAY: 'AVAILABLE', NAVERPAY: 'MAINTENANCE' });
    expect(loadConfig({ PAYMENT_METHOD_STATUS_OVERRIDES: '' }).paymentMethodStatusOverrides).toEqual({});
  });

  it.each(['KAKAOPAY', 'KAKAOPAY=on', 'BITCOIN=available', 'CARD=available,,'])(
    'rejects PAYMENT_METHOD_STATUS_OVERRIDES=%s',
    (value) => {
      const problems = problemsOf({ PAYMENT_METHOD_STATUS_OVERRIDES: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^PAYMENT_METHOD_STATUS_OVERRIDES: /);
    },
  );

  it('keeps the database index of REDIS_URL', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/5' }).redisUrl).toBe('redis://127.0.0.1:6379/5');
    expect(problemsOf({ REDIS_URL: 'http://127.0.0.1:6379' })[0]).toMatch(/^REDIS_URL: /);
  });

  it('rejects a DATABASE_URL that is not postgres://', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://localhost/db' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DATABASE_URL: /);
  });

  it('listens on loopback unless told otherwise, and seeds demo logins only there', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({}).seedDemoData).toBe(true); // embedded default, loopback
    expect(loadConfig({ HOST: '0.0.0.0' }).seedDemoData).toBe(false); // reachable by others
    expect(loadConfig({ HOST: '0.0.0.0', SEED_DEMO_DATA: 'true' }).seedDemoData).toBe(true); // asked for
    expect(loadConfig({ HOST: '::1' }).seedDemoData).toBe(true);
    expect(problemsOf({ HOST: 'http://0.0.0.0' })[0]).toMatch(/^HOST: /);
  });

  it('allows self top-ups by default only with the embedded database, and caps them', () => {
    expect(loadConfig({}).walletSelfCharge).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://x/y' }).walletSelfCharge).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://x/y', WALLET_SELF_CHARGE: 'yes' }).walletSelfCharge).toBe(
      true,
    );
    expect(loadConfig({}).walletMaxCharge).toBe(500_000);
    expect(loadConfig({ RATE_LIMIT_ENABLED: 'false' }).maxActiveHoldsPerIp).toBe(0); // every limit off
  });
});

describe('environment (.env)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'checkout-env-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads .env from the working directory, the environment winning, unset in both staying unset', () => {
    writeFileSync(join(dir, '.env'), 'PORT=4000\nHOLD_TTL_SECONDS=120\n# a comment\nLOG_LEVEL=debug\n');
    const env = environment(dir, { PORT: '5000' });
    expect(env).toEqual({ PORT: '5000', HOLD_TTL_SECONDS: '120', LOG_LEVEL: 'debug' });
    expect(loadConfig(env)).toMatchObject({ port: 5000, holdTtlSeconds: 120, logLevel: 'debug' });
    expect(env.REDIS_URL).toBeUndefined();
  });

  it('is the environment alone without a .env file', () => {
    const own = { PORT: '5000' };
    expect(environment(dir, own)).toBe(own);
  });
});
