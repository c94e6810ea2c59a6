import { z } from 'zod';

/** Boolean env values: only the spellings an operator would write; anything else is a config error. */
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

const optionalBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((v) => (v === undefined ? undefined : ['true', '1', 'yes'].includes(v)));

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).optional().default(fallback);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * Every environment variable of the contract's Operations section, with its default.
 * The parsed result is the only configuration the application sees.
 */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).optional().default('development'),
    PORT: int(3000, 0, 65535),
    HOST: optionalString.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9.:-]+$/, 'must be an address or host name, e.g. 127.0.0.1 or 0.0.0.0')
        .optional(),
    ),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
        .optional(),
    ),
    DATABASE_POOL_SIZE: int(20, 1, 200),
    EMBEDDED_DATA_DIR: optionalString,
    REDIS_URL: optionalString.pipe(
      z
        .string()
        .regex(/^rediss?:\/\//, 'must be a redis:// URL')
        .optional(),
    ),
    KAFKA_BROKERS: optionalString,
    KAFKA_TOPIC: z.string().optional().default('ticket-push-events'),
    JWT_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
    JWT_TTL_SECONDS: int(3600, 60, 7 * 24 * 3600),
    JWT_REFRESH_TTL_SECONDS: int(14 * 24 * 3600, 300, 90 * 24 * 3600),
    ADMIN_USERNAME: optionalString,
    ADMIN_PASSWORD: optionalString.pipe(z.string().min(8, 'must be at least 8 characters').optional()),
    ADMIN_CONSOLE_MINIMUM_ROLE: z.enum(['USER', 'ADMIN']).optional().default('ADMIN'),
    PAYMENT_PROVIDER: z.enum(['wallet', 'mock', 'pg-ready']).optional().default('mock'),
    MOCK_PAYMENT_OUTCOME: z.enum(['approve', 'decline', 'pending']).optional().default('approve'),
    MOCK_REFUND_OUTCOME: z.enum(['approve', 'fail']).optional().default('approve'),
    MASS_REFUND_PER_SECOND: int(20, 1, 1000),
    PG_READY_WEBHOOK_SECRET: optionalString,
    PG_READY_LIVE: bool(false),
    PG_READY_CHECKOUT_BASE_URL: z.string().url().optional().default('https://pg.example.invalid/checkout'),
    PAYMENT_METHOD_STATUS_OVERRIDES: z
      .string()
      .optional()
      .default('')
      .refine(
        (v) =>
          v.trim() === '' ||
          v
            .split(',')
            .every((p) =>
              /^\s*(CARD|KAKAOPAY|NAVERPAY|WALLET)\s*=\s*(available|planned|maintenance|disabled)\s*$/i.test(
                p,
              ),
            ),
        'must look like KAKAOPAY=available,NAVERPAY=maintenance',
      ),
    DEFAULT_TICKET_PRICE: int(100000, 0, 100_000_000),
    WALLET_INITIAL_BALANCE: int(200000, 0, 1_000_000_000),
    HOLD_TTL_SECONDS: int(300, 1, 3600),
    HOLD_EXPIRY_WARNING_SECONDS: z.coerce.number().int().min(0).max(3599).optional(),
    SEAT_LOCK_TTL_SECONDS: int(30, 1, 600),
    SEAT_LOCK_MAX_SECONDS: int(120, 1, 3600),
    MAX_SEAT_LOCKS_PER_USER: int(4, 1, 100),
    REFUND_CUTOFF_HOURS: int(24, 0, 24 * 365),
    SEED_DEMO_DATA: optionalBool,
    ALLOW_DEMO_CREDENTIALS: bool(false),
    MAX_ACTIVE_HOLDS_PER_USER: int(4, 0, 1000),
    MAX_ACTIVE_HOLDS_PER_IP: int(20, 0, 1_000_000),
    MAX_SEATS_PER_ORDER: int(4, 1, 50),
    WALLET_SELF_CHARGE: optionalBool,
    WALLET_MAX_CHARGE: int(500_000, 1, 100_000_000),
    WALLET_MAX_CHARGE_PER_DAY: int(1_000_000, 1, 1_000_000_000),
    RATE_LIMIT_ENABLED: bool(true),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .optional()
      .default('info'),
    CORS_ORIGINS: z.string().optional().default(''),
    BEHIND_TLS: bool(false),
    WEBHOOK_RETRY_SCHEDULE: z
      .string()
      .optional()
      .default('5,300,1800,7200,18000,36000,36000')
      .refine(
        (v) => /^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/.test(v),
        'must be comma-separated seconds, e.g. 5,300,1800',
      ),
    WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
    WEBHOOK_SECRET_OVERLAP_SECONDS: int(86_400, 0, 30 * 86_400),
    WEBHOOK_ALLOW_PRIVATE_TARGETS: bool(false),
    WEBHOOK_LOG_RETENTION_DAYS: int(30, 1, 3650),
    WEBHOOK_CONCURRENCY_PER_ENDPOINT: int(4, 1, 64),
    WEBHOOK_SECRETS_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    TRUST_PROXY: optionalString.pipe(
      z
        .string()
        .regex(
          /^[\w.:/]+(\s*,\s*[\w.:/]+)*$/,
          'must list proxy addresses or CIDRs, e.g. 127.0.0.1 or 10.0.0.0/8,loopback',
        )
        .optional(),
    ),
  })
  .superRefine((env, ctx) => {
    if (env.PAYMENT_PROVIDER === 'pg-ready' && !env.PG_READY_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['PG_READY_WEBHOOK_SECRET'],
        message: 'is required when PAYMENT_PROVIDER=pg-ready',
      });
    }
    if (
      env.HOLD_EXPIRY_WARNING_SECONDS !== undefined &&
      env.HOLD_EXPIRY_WARNING_SECONDS >= env.HOLD_TTL_SECONDS
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['HOLD_EXPIRY_WARNING_SECONDS'],
        message: `must be below HOLD_TTL_SECONDS (${env.HOLD_TTL_SECONDS})`,
      });
    }
    if (env.SEAT_LOCK_MAX_SECONDS < env.SEAT_LOCK_TTL_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SEAT_LOCK_MAX_SECONDS'],
        message: `must be at least SEAT_LOCK_TTL_SECONDS (${env.SEAT_LOCK_TTL_SECONDS})`,
      });
    }
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required when NODE_ENV=production' });
    }
  });

export type Env = z.output<typeof envSchema>;
