import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AuthService } from '../modules/auth/auth.service';
import { CatalogService } from '../modules/catalog/catalog.service';

const DEMO_CONCERT_TITLE = 'Demo Concert';
export const DEMO_USER = { username: 'demo', password: 'demo-password' };
export const DEMO_ADMIN = { username: 'admin', password: 'admin-password' };

/**
 * Runs before the port opens: the admin account from ADMIN_USERNAME/ADMIN_PASSWORD and, when
 * SEED_DEMO_DATA is on, a demo concert (two options, 50 seats each), a demo user and a demo admin.
 */
@Injectable()
export class BootstrapDataService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  constructor(
    private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly catalog: CatalogService,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.adminUsername && this.config.adminPassword) {
      await this.auth.ensureAccount(this.config.adminUsername, this.config.adminPassword, 'ADMIN');
      this.logger.log(`admin account "${this.config.adminUsername}" is ready`);
    }
    if (this.config.seedDemoData) await this.seedDemo();
  }

  private async seedDemo(): Promise<void> {
    const existing: unknown[] = await this.dataSource.query('SELECT 1 FROM concerts WHERE title = $1', [
      DEMO_CONCERT_TITLE,
    ]);
    if (existing.length === 0) {
      const concert = await this.catalog.createConcert(DEMO_CONCERT_TITLE, 'The Demo Band');
      const day = 24 * 3600 * 1000;
      await this.catalog.createOption(concert.id, new Date(Date.now() + 30 * day), 50);
      await this.catalog.createOption(concert.id, new Date(Date.now() + 31 * day), 50);
    }
    await this.auth.ensureAccount(DEMO_USER.username, DEMO_USER.password, 'USER');
    if (!this.config.adminUsername)
      await this.auth.ensureAccount(DEMO_ADMIN.username, DEMO_ADMIN.password, 'ADMIN');
    const admin = this.config.adminUsername
      ? `${this.config.adminUsername} / (ADMIN_PASSWORD)`
      : `${DEMO_ADMIN.username} / ${DEMO_ADMIN.password}`;
    // Printed on purpose: these are the documented demo credentials of a local, embedded setup.
    this.logger.log(`demo data ready — user: ${DEMO_USER.username} / ${DEMO_USER.password}; admin: ${admin}`);
  }
}
