import { randomBytes } from 'node:crypto';
import { Env, envSchema } from './env.schema';

export type PaymentProviderName = 'wallet' | 'mock' | 'pg-ready';
export type MockOutcome = 'approve' | 'decline' | 'pending';
export type Role = 'USER' | 'ADMIN';

/** Typed, validated configuration. Injected as a plain class; the only reader of process.env is loadConfig. */
export class AppConfig {
  nodeEnv!: Env['NODE_ENV'];
  port!: number;
  /** The address to listen on; loopback unless told otherwise (compose sets 0.0.0.0). */
  host!: string;
  /** HOST is not a loopback address: others can reach the service, so the demo passwords must not work. */
  reachableFromNetwork!: boolean;
  /** Undefined means "serve an embedded PostgreSQL"; main.ts fills it in before the app is created. */
  databaseUrl?: string;
  databasePoolSize!: number;
  embeddedDataDir!: string;
  /** No DATABASE_URL: main.ts starts the embedded PostgreSQL and fills in databaseUrl. */
  databaseIsEmbedded!: boolean;
  redisUrl?: string;
  kafkaBrokers?: string[];
  kafkaTopic!: string;
  jwtSecret!: string;
  /** No JWT_SECRET: main.ts replaces the random one with the embedded data directory's, when there is one. */
  jwtSecretGenerated!: boolean;
  jwtTtlSeconds!: number;
  jwtRefreshTtlSeconds!: number;
  adminUsername?: string;
  adminPassword?: string;
  adminConsoleMinimumRole!: Role;
  paymentProvider!: PaymentProviderName;
  mockPaymentOutcome!: MockOutcome;
  /** `fail`: the mock answers every refund with a gateway error (no money moves). */
  mockRefundOutcome!: 'approve' | 'fail';
  /** Gateway refund calls of show-cancellation runs in any one-second window, across all instances. */
  massRefundPerSecond!: number;
  pgReadyWebhookSecret?: string;
  pgReadyLive!: boolean;
  pgReadyCheckoutBaseUrl!: string;
  paymentMethodStatusOverrides!: Record<string, string>;
  defaultTicketPrice!: number;
  walletInitialBalance!: number;
  holdTtlSeconds!: number;
  /** HOLD_EXPIRING is pushed this long before a hold's deadline; 0 = off. */
  holdExpiryWarningSeconds!: number;
  seatLockTtlSeconds!: number;
  seatLockMaxSeconds!: number;
  /** Live soft locks one user may hold at once. */
  maxSeatLocksPerUser!: number;
  refundCutoffHours!: number;
  seedDemoData!: boolean;
  /** A lab: start on a network address even while demo logins keep their well-known passwords. */
  allowDemoCredentials!: boolean;
  maxActiveHoldsPerUser!: number;
  /** Live holds of all accounts from one client address; 0 = off (so is RATE_LIMIT_ENABLED=false). */
  maxActiveHoldsPerIp!: number;
  /** Seats one order may take (by ids or best available). */
  maxSeatsPerOrder!: number;
  /** Whether fans may top up their own wallet (a demo feature); an ADMIN credit is always possible. */
  walletSelfCharge!: boolean;
  walletMaxCharge!: number;
  walletMaxChargePerDay!: number;
  rateLimitEnabled!: boolean;
  logLevel!: Env['LOG_LEVEL'];
  corsOrigins!: string[];
  /** Reached over https through a proxy: browsers may be told to upgrade requests and keep to https. */
  behindTls!: boolean;
  /**
   * The proxies (addresses or CIDRs) whose X-Forwarded-For is believed: a request from one of them counts
   * as coming from the client it names, for the limits per client address. Empty: nobody's.
   */
  trustProxy: string[] = [];
  /** Seconds to wait after each failed webhook attempt; one more failure than entries makes it FAILED. */
  webhookRetryScheduleSeconds!: number[];
  webhookTimeoutMs!: number;
  webhookSecretOverlapSeconds!: number;
  /** Lets webhook endpoints point at loopback and private addresses (tests, a lab); never in production. */
  webhookAllowPrivateTargets!: boolean;
  webhookLogRetentionDays!: number;
  /** Attempts in flight at once per endpoint, per instance. */
  webhookConcurrencyPerEndpoint!: number;
  /** Key material for sealing endpoint secrets; undefined: derived from the JWT secret (secret-box.ts). */
  webhookSecretsKey?: string;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses an environment (process.env by default) into AppConfig, or throws with one line per problem. */
export function loadConfig(source: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(env)';
      const got = source[name];
      return `${name}: ${issue.message}${got !== undefined ? ` (got "${got}")` : ''}`;
    });
    throw new ConfigValidationError(problems);
  }
  const env = parsed.data;
  const config = new AppConfig();
  Object.assign(config, {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST ?? '127.0.0.1',
    reachableFromNetwork: !isLoopback(env.HOST ?? '127.0.0.1'),
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    embeddedDataDir: env.EMBEDDED_DATA_DIR ?? './.data',
    databaseIsEmbedded: env.DATABASE_URL === undefined,
    redisUrl: env.REDIS_URL,
    kafkaBrokers: env.KAFKA_BROKERS?.split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    kafkaTopic: env.KAFKA_TOPIC,
    // Without a configured secret, tokens are signed with a random per-process key: safe, but they do
    // not survive a restart (the embedded default keeps one in its data directory instead, see main.ts).
    // Production requires JWT_SECRET (see the schema).
    jwtSecret: env.JWT_SECRET ?? randomBytes(32).toString('hex'),
    jwtSecretGenerated: env.JWT_SECRET === undefined,
    jwtTtlSeconds: env.JWT_TTL_SECONDS,
    jwtRefreshTtlSeconds: env.JWT_REFRESH_TTL_SECONDS,
    adminUsername: env.ADMIN_USERNAME,
    adminPassword: env.ADMIN_PASSWORD,
    adminConsoleMinimumRole: env.ADMIN_CONSOLE_MINIMUM_ROLE,
    paymentProvider: env.PAYMENT_PROVIDER,
    mockPaymentOutcome: env.MOCK_PAYMENT_OUTCOME,
    mockRefundOutcome: env.MOCK_REFUND_OUTCOME,
    massRefundPerSecond: env.MASS_REFUND_PER_SECOND,
    pgReadyWebhookSecret: env.PG_READY_WEBHOOK_SECRET,
    pgReadyLive: env.PG_READY_LIVE,
    pgReadyCheckoutBaseUrl: env.PG_READY_CHECKOUT_BASE_URL,
    paymentMethodStatusOverrides: parseOverrides(env.PAYMENT_METHOD_STATUS_OVERRIDES),
    defaultTicketPrice: env.DEFAULT_TICKET_PRICE,
    walletInitialBalance: env.WALLET_INITIAL_BALANCE,
    holdTtlSeconds: env.HOLD_TTL_SECONDS,
    // Unset: 60 s, or less when holds are shorter (a warning needs a hold that lasts longer than it).
    holdExpiryWarningSeconds: env.HOLD_EXPIRY_WARNING_SECONDS ?? Math.min(60, env.HOLD_TTL_SECONDS - 1),
    seatLockTtlSeconds: env.SEAT_LOCK_TTL_SECONDS,
    seatLockMaxSeconds: env.SEAT_LOCK_MAX_SECONDS,
    maxSeatLocksPerUser: env.MAX_SEAT_LOCKS_PER_USER,
    refundCutoffHours: env.REFUND_CUTOFF_HOURS,
    // Demo data (and its well-known passwords) by default only when we serve ourselves an embedded
    // database and nobody else can reach us.
    seedDemoData:
      env.SEED_DEMO_DATA ?? (env.DATABASE_URL === undefined && isLoopback(env.HOST ?? '127.0.0.1')),
    allowDemoCredentials: env.ALLOW_DEMO_CREDENTIALS,
    maxActiveHoldsPerUser: env.MAX_ACTIVE_HOLDS_PER_USER,
    maxActiveHoldsPerIp: env.RATE_LIMIT_ENABLED ? env.MAX_ACTIVE_HOLDS_PER_IP : 0,
    maxSeatsPerOrder: env.MAX_SEATS_PER_ORDER,
    // Free money is a demo feature: on by default only for the embedded default.
    walletSelfCharge: env.WALLET_SELF_CHARGE ?? env.DATABASE_URL === undefined,
    walletMaxCharge: env.WALLET_MAX_CHARGE,
    walletMaxChargePerDay: env.WALLET_MAX_CHARGE_PER_DAY,
    rateLimitEnabled: env.RATE_LIMIT_ENABLED,
    logLevel: env.LOG_LEVEL,
    corsOrigins: env.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    behindTls: env.BEHIND_TLS,
    trustProxy: env.TRUST_PROXY?.split(',').map((p) => p.trim()) ?? [],
    webhookRetryScheduleSeconds: env.WEBHOOK_RETRY_SCHEDULE.split(',').map((v) => Number(v.trim())),
    webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
    webhookSecretOverlapSeconds: env.WEBHOOK_SECRET_OVERLAP_SECONDS,
    webhookAllowPrivateTargets: env.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    webhookLogRetentionDays: env.WEBHOOK_LOG_RETENTION_DAYS,
    webhookConcurrencyPerEndpoint: env.WEBHOOK_CONCURRENCY_PER_ENDPOINT,
    webhookSecretsKey: env.WEBHOOK_SECRETS_KEY,
  } satisfies AppConfig);
  return config;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function parseOverrides(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of raw.split(',').filter((p) => p.trim() !== '')) {
    const [code, status] = pair.split('=').map((s) => s.trim());
    out[code.toUpperCase()] = status.toUpperCase();
  }
  return out;
}
