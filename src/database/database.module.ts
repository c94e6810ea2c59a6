import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { createDataSource } from './data-source';
import { runMigrations } from './migrate';

/**
 * Provides the one DataSource. Migrations run here, before any other provider starts, so the HTTP port
 * opens only on a migrated schema.
 */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        if (!config.databaseUrl) throw new Error('databaseUrl must be resolved before the app is created');
        const dataSource = createDataSource(config.databaseUrl, config.databasePoolSize);
        await dataSource.initialize();
        const applied = await runMigrations(dataSource);
        if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
        return dataSource;
      },
    },
  ],
  exports: [DataSource],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
