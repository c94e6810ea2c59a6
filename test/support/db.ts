import { Client } from 'pg';
import { DataSource } from 'typeorm';

const TABLES = [
  'idempotency_records',
  'webhook_inbox',
  'outbox_events',
  'admin_refund_audit_logs',
  'payment_transactions',
  'reservations',
  'seats',
  'concert_options',
  'concerts',
  'users',
];

/** Empties every business table (the schema stays). Each spec file starts from here. */
export async function resetDatabase(dataSource: DataSource): Promise<void> {
  await dataSource.query(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY CASCADE`);
}

/** Same, over a short-lived connection (before an app exists). */
export async function resetDatabaseAt(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY CASCADE`);
  } finally {
    await client.end();
  }
}
