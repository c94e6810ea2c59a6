import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/database/data-source';
import { runMigrations } from '../../src/database/migrate';

/** Every business table; emptied between spec files and benchmark scenarios (the schema stays). */
export const BUSINESS_TABLES = [
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
  'reservations',
  'seats',
  'concert_options',
  'concerts',
  'users',
];

const TRUNCATE_ALL = `TRUNCATE ${BUSINESS_TABLES.join(', ')} RESTART IDENTITY CASCADE`;

/** Empties every business table. Each spec file starts from here. */
export async function resetDatabase(dataSource: DataSource): Promise<void> {
  await dataSource.query(TRUNCATE_ALL);
}

/** Same, over a short-lived connection (before an app exists). */
export async function resetDatabaseAt(url: string): Promise<void> {
  await withClient(url, (client) => client.query(TRUNCATE_ALL));
}

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

/**
 * Drops and re-creates `name` as a copy of `template` (CREATE DATABASE … TEMPLATE: a file copy, far
 * quicker than migrating again). PostgreSQL refuses while anyone is connected to the template; the
 * connection that migrated it may take a moment to end, so that refusal is retried briefly.
 */
export async function copyDatabase(adminUrl: string, template: string, name: string): Promise<void> {
  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (err) {
        const busy = (err as { code?: string }).code === '55006'; // object_in_use: the template has a session
        if (!busy || attempt >= 50) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
}
