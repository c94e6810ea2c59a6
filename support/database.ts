import { Client } from 'pg';
import { createDataSource } from '../src/database/data-source';
import { runMigrations } from '../src/database/migrate';

/** Every business table; emptied between spec files and benchmark scenarios (the schema stays). */
export const BUSINESS_TABLES = [
  'cancellation_run_orders',
  'cancellation_runs',
  'webhook_messages',
  'webhook_endpoints',
  'wallet_self_charges',
  'admin_actions',
  'waiting_rooms',
  'refresh_tokens',
  'refresh_token_families',
  'purchase_counts',
  'sales_policies',
  'idempotency_records',
  'webhook_inbox',
  'outbox_events',
  'admin_refund_audit_logs',
  'admin_refund_requests',
  'payment_transactions',
  'wallets',
  'orders',
  'reservations',
  'seats',
  'seat_categories',
  'concert_options',
  'concerts',
  'users',
];

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops and re-creates `name`, then migrates it exactly as the app does at start-up (no synchronize).
 * Used by the test global setup and the benchmarks, each on a database of its own.
 */
export async function recreateDatabase(adminUrl: string, name: string, url: string): Promise<void> {
  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  const dataSource = createDataSource(url, 2);
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
