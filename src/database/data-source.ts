import 'reflect-metadata';
import { types } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { environment } from '../config/env-file';

// Amounts and ids are bigint/int8 in PostgreSQL; every value we store fits a JS number exactly.
types.setTypeParser(types.builtins.INT8, (v) => Number.parseInt(v, 10));

export function dataSourceOptions(url: string, poolSize = 20): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    // Found by name, so the database layer imports no feature module. The schema itself lives in
    // migrations/; hot paths use hand-written SQL instead of entities.
    entities: [`${__dirname}/../modules/**/*.entity.{ts,js}`],
    migrations: [`${__dirname}/../../migrations/*.{ts,js}`],
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logging: false,
    poolSize,
    extra: {
      connectionTimeoutMillis: 5000,
      application_name: 'ticket-checkout',
      onConnect: keepErrorsHandled,
    },
  };
}

/**
 * Gives every pooled connection an 'error' listener for its whole life. Without it, a connection that
 * PostgreSQL terminates right after it became ready (pg_terminate_backend, a failover) can emit 'error'
 * in the gap after pg-pool hands it out and before TypeORM attaches its own listener, which crashes the
 * process (seen in test/e2e/faults-postgres). pg-pool's and TypeORM's own handling still run.
 */
function keepErrorsHandled(client: { on(event: 'error', listener: (err: Error) => void): unknown }): void {
  client.on('error', () => undefined);
}

/** The one DataSource factory, used by the app, the migration script and the tests. */
export function createDataSource(url: string, poolSize?: number): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize));
}

/**
 * Default export for the TypeORM CLI (`typeorm-ts-node-commonjs -d src/database/data-source.ts`).
 * This file and src/config are the only readers of process.env.
 */
export default createDataSource(environment().DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
