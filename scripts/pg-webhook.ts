/*
 * `npm run pg:webhook -- --reservation 12 --status APPROVED [--amount 50000] [--event-id X]
 *    [--payment-transaction-id 7] [--failure-reason TEXT] [--url http://127.0.0.1:3000]`
 *
 * Plays the PG: builds a PAYMENT event, signs it with PG_READY_WEBHOOK_SECRET exactly as the PG does
 * (HMAC-SHA256 of "<t>.<raw body>") and posts it to the running service. Without --amount, the amount
 * (and the attempt id) of the reservation's latest payment attempt are read from DATABASE_URL; with the
 * embedded database (no DATABASE_URL) pass --amount.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../src/config/app-config';
import { environment } from '../src/config/env-file';
import { signWebhook } from '../src/modules/checkout/webhook/webhook-signature';

const USAGE =
  'usage: npm run pg:webhook -- --reservation <id> --status APPROVED|FAILED [--amount N] [--event-id X]\n' +
  '         [--payment-transaction-id N] [--failure-reason TEXT] [--url http://127.0.0.1:<PORT>]';

interface Args {
  reservation: number;
  status: 'APPROVED' | 'FAILED';
  amount?: number;
  eventId?: string;
  paymentTransactionId?: number;
  failureReason?: string;
  url?: string;
}

const FLAGS = [
  'reservation',
  'status',
  'amount',
  'event-id',
  'payment-transaction-id',
  'failure-reason',
  'url',
];

export function parseArgs(argv: string[]): Args {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !FLAGS.includes(flag)) throw new Error(`unknown argument ${argv[i]}`);
    const value = argv[++i];
    if (value === undefined) throw new Error(`--${flag} needs a value`);
    raw[flag] = value;
  }
  const int = (name: string, v: string | undefined, min: number) => {
    if (v === undefined) return undefined;
    if (!/^[0-9]+$/.test(v) || Number(v) < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return Number(v);
  };
  const reservation = int('reservation', raw.reservation, 1);
  if (reservation === undefined) throw new Error('--reservation is required');
  const status = raw.status?.toUpperCase();
  if (status !== 'APPROVED' && status !== 'FAILED') throw new Error('--status must be APPROVED or FAILED');
  return {
    reservation,
    status,
    amount: int('amount', raw.amount, 0),
    eventId: raw['event-id'],
    paymentTransactionId: int('payment-transaction-id', raw['payment-transaction-id'], 1),
    failureReason: raw['failure-reason'],
    url: raw.url,
  };
}

/** The latest PAYMENT attempt of the reservation, straight from the database. */
async function latestAttempt(databaseUrl: string, reservationId: number) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: number; amount: string; status: string }>(
      `SELECT id, amount, status FROM payment_transactions
        WHERE reservation_id = $1 AND type = 'PAYMENT' ORDER BY id DESC LIMIT 1`,
      [reservationId],
    );
    return rows[0] ? { id: rows[0].id, amount: Number(rows[0].amount), status: rows[0].status } : undefined;
  } finally {
    await client.end();
  }
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(environment());
  if (!config.pgReadyWebhookSecret) {
    console.error(
      'PG_READY_WEBHOOK_SECRET is not set (here, or in .env): set it to the secret the service was started with',
    );
    return 2;
  }
  let { amount, paymentTransactionId } = args;
  if (amount === undefined) {
    if (!config.databaseUrl) {
      console.error('--amount is required when DATABASE_URL is not set (embedded database)');
      return 2;
    }
    const attempt = await latestAttempt(config.databaseUrl, args.reservation);
    if (!attempt) {
      console.error(`reservation ${args.reservation} has no payment attempt (confirm it first)`);
      return 1;
    }
    amount = attempt.amount;
    paymentTransactionId ??= attempt.id;
    console.log(`attempt ${attempt.id}: ${attempt.status}, amount ${attempt.amount}`);
  }

  const body = JSON.stringify({
    providerEventId: args.eventId ?? `evt-dev-${randomUUID()}`,
    eventType: 'PAYMENT',
    status: args.status,
    reservationId: args.reservation,
    ...(paymentTransactionId !== undefined ? { paymentTransactionId } : {}),
    amount,
    occurredAt: new Date().toISOString(),
    ...(args.status === 'FAILED' ? { failureReason: args.failureReason ?? 'DECLINED_BY_DEV_TOOL' } : {}),
  });
  const url = `${(args.url ?? `http://127.0.0.1:${config.port}`).replace(/\/$/, '')}/api/payments/webhooks/pg-ready`;
  const signature = signWebhook(config.pgReadyWebhookSecret, body, Math.floor(Date.now() / 1000));
  console.log(`POST ${url}\n${body}`);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-PG-Signature': signature },
      body,
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    console.error(
      `cannot reach ${url} (${cause?.code ?? cause?.message ?? String(err)}): is the service running ` +
        `there? Pass --url http://127.0.0.1:<PORT> if it listens on another port.`,
    );
    return 1;
  }
  console.log(`${res.status} ${await res.text()}`);
  return res.ok ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
