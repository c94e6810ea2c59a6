import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { withAdvisoryLock } from '../database/advisory-lock';
import { AuthService } from '../modules/auth/auth.service';
import { SalesPolicyService } from '../modules/admission/sales-policy/sales-policy.service';
import { WaitingRoomService } from '../modules/admission/waiting-room/waiting-room.service';
import { CatalogService } from '../modules/catalog/catalog.service';
import type { ZoneInput } from '../modules/catalog/zones/zone-layout';
import { ZonesService } from '../modules/catalog/zones/zones.service';
import { DemoLogin, exposedLogins, refusalMessage } from './demo-credentials';
import { StartupRefusal } from './startup-refusal';

const DEMO_CONCERT_TITLE = 'Demo Concert';
/** The demo concert's price zones, on each of its shows (50 seats: rows A and B of 20, row C of 10). */
export const DEMO_ZONES: ZoneInput[] = [
  { name: 'VIP', priceAmount: 150_000, color: '#c0392b', rows: ['A'] },
  { name: 'R', priceAmount: 110_000, color: '#2980b9', rows: ['B'] },
  { name: 'S', priceAmount: 80_000, color: '#27ae60', rows: ['C'] },
];
/** A second demo concert behind a waiting room, slow enough to watch the queue move. */
const ON_SALE_DEMO_TITLE = 'On-sale Demo (waiting room)';
const ON_SALE_DEMO_ROOM = { enabled: true, admissionPerMinute: 30, maxActiveUsers: 3, activeTtlSeconds: 300 };
/** A third in its presale: GOLD fans and above now, everyone from the general sale two days on. */
const PRESALE_DEMO_TITLE = 'Presale Demo (GOLD tier first)';
/**
 * The demo fans, the one list of them: seeded here, listed by the start-up banner. A GOLD fan may buy in
 * the presale demo concert's presale; the plain fan (BASIC) sees it refused.
 */
export const DEMO_FANS = [
  { username: 'demo', password: 'demo-password', tier: 'BASIC' },
  { username: 'gold', password: 'gold-password', tier: 'GOLD' },
] as const;
export const DEMO_USER = DEMO_FANS[0];
export const DEMO_ADMIN = { username: 'admin', password: 'admin-password' };
/**
 * Every login seedDemo makes, with its published password: on a network address the service refuses to
 * start while one of them works (demo-credentials.ts). seedDemo creates them from this list.
 */
export const DEMO_ACCOUNTS: readonly (DemoLogin & { tier?: string })[] = [
  ...DEMO_FANS.map((fan) => ({ ...fan, role: 'USER' as const })),
  { ...DEMO_ADMIN, role: 'ADMIN' },
];
/** Arbitrary constant: instances starting together seed one at a time (each looks before it creates). */
const SEED_LOCK_ID = 727274002;

/**
 * Runs before the port opens: the admin account from ADMIN_USERNAME/ADMIN_PASSWORD and, when
 * SEED_DEMO_DATA is on, a demo concert (two options, 50 seats each, in three price zones), an on-sale demo concert behind a
 * waiting room (30 fans a minute, 3 at once), a presale demo concert (GOLD tier first), the demo fans
 * (DEMO_FANS, one of them GOLD) and a demo admin. On a network address it first refuses to start while a
 * demo login has its published password.
 */
@Injectable()
export class BootstrapDataService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  constructor(
    private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly catalog: CatalogService,
    private readonly zones: ZonesService,
    private readonly rooms: WaitingRoomService,
    private readonly policies: SalesPolicyService,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Before anything starts (no loop, no listener): on a network address, refuse while a demo login has,
   * or the seeding below would give it, its published password (see demo-credentials.ts).
   */
  async onModuleInit(): Promise<void> {
    if (!this.config.reachableFromNetwork || this.config.allowDemoCredentials) return;
    const exposed = await exposedLogins(this.config, this.auth, DEMO_ACCOUNTS);
    if (exposed.length) throw new StartupRefusal(refusalMessage(this.config, exposed));
  }

  async onApplicationBootstrap(): Promise<void> {
    await withAdvisoryLock(this.dataSource, SEED_LOCK_ID, async () => {
      if (this.config.adminUsername && this.config.adminPassword) {
        await this.auth.ensureAccount(this.config.adminUsername, this.config.adminPassword, 'ADMIN');
        this.logger.log(`admin account "${this.config.adminUsername}" is ready`);
      }
      if (this.config.seedDemoData) await this.seedDemo();
    });
  }

  private async seedDemo(): Promise<void> {
    const day = 24 * 3600 * 1000;
    if (!(await this.concertExists(DEMO_CONCERT_TITLE))) {
      const concert = await this.catalog.createConcert(DEMO_CONCERT_TITLE, 'The Demo Band');
      await this.catalog.createOption(concert.id, new Date(Date.now() + 30 * day), 50);
      await this.catalog.createOption(concert.id, new Date(Date.now() + 31 * day), 50);
    }
    await this.zoneDemoConcert();
    if (!(await this.concertExists(ON_SALE_DEMO_TITLE))) {
      const concert = await this.catalog.createConcert(ON_SALE_DEMO_TITLE, 'The Queue Band');
      await this.catalog.createOption(concert.id, new Date(Date.now() + 45 * day), 40);
      await this.rooms.configure(concert.id, ON_SALE_DEMO_ROOM);
    }
    if (!(await this.concertExists(PRESALE_DEMO_TITLE))) {
      const concert = await this.catalog.createConcert(PRESALE_DEMO_TITLE, 'The Members Band');
      await this.catalog.createOption(concert.id, new Date(Date.now() + 60 * day), 30);
      const at = (days: number) =>
        new Date(Date.now() + days * day).toISOString().replace(/\.\d{3}Z$/, '.000Z');
      await this.policies.put(concert.id, {
        presaleStartAt: at(-1),
        presaleEndAt: at(2),
        presaleMinimumTier: 'GOLD',
        generalSaleStartAt: at(2),
        maxReservationsPerUser: 4,
      });
    }
    // Every demo login, from the one list the start-up check reads; a configured admin replaces the demo one.
    for (const login of DEMO_ACCOUNTS) {
      if (login.role === 'ADMIN' && this.config.adminUsername) continue;
      const account = await this.auth.ensureAccount(login.username, login.password, login.role);
      if (login.tier) await this.auth.seedTier(account.id, login.tier);
    }
    // Their passwords are in the start-up banner (main.ts), the documented demo logins of a local setup.
    this.logger.log(
      'demo data ready: three concerts (one behind a waiting room, one in presale), two fans (one GOLD), an admin',
    );
  }

  /** Lays the demo zones out on each demo show that has none (also on a database seeded before zones). */
  private async zoneDemoConcert(): Promise<void> {
    const rows: { id: number }[] = await this.dataSource.query(
      'SELECT id FROM concerts WHERE title = $1 ORDER BY id LIMIT 1',
      [DEMO_CONCERT_TITLE],
    );
    if (rows.length === 0) return;
    for (const option of await this.catalog.listOptions(rows[0].id)) {
      if ((await this.zones.list(option.id)).length === 0) await this.zones.replace(option.id, DEMO_ZONES);
    }
  }

  private async concertExists(title: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM concerts WHERE title = $1', [title]);
    return rows.length > 0;
  }
}
