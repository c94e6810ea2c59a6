import { DynamicModule, Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { InfraModule } from '../../src/infra/infra.module';
import { ConfirmRequest, ConfirmService } from '../../src/modules/checkout/confirm.service';
import { PaymentGatewayModule } from '../../src/modules/payment/gateway/payment-gateway.module';
import type { PaymentGateway } from '../../src/modules/payment/gateway/payment-gateway.port';
import { HoldService } from '../../src/modules/reservation/hold.service';
import { ReservationTransitions } from '../../src/modules/reservation/reservation-transitions.service';
import { resetDatabaseAt } from './db';
import { FakeClock } from './fake-clock';
import { insertShow, insertUser, Show } from './fixtures';
import { BASE_TEST_ENV } from './test-app';

export interface Fan {
  id: number;
  principal: { userId: number; role: 'USER' | 'ADMIN' };
}

/**
 * A medium spec's world: the module under test and the infrastructure it runs on (InfraModule: the real
 * PostgreSQL, Redis when REDIS_URL is set, the outbox relay), nothing else; no HTTP. The clock is a
 * FakeClock and the gateway may be replaced, the only seams tests may fake.
 */
export class ModuleContext {
  constructor(
    readonly module: TestingModule,
    readonly config: AppConfig,
    readonly clock: FakeClock,
  ) {}

  get dataSource(): DataSource {
    return this.module.get(DataSource);
  }

  /** Any provider of the modules under test, exported or not. */
  get<T>(token: Type<T> | string | symbol): T {
    return this.module.get<T>(token, { strict: false });
  }

  /** A user with a wallet of WALLET_INITIAL_BALANCE, written in SQL (no bcrypt, no HTTP). */
  async newUser(role: 'USER' | 'ADMIN' = 'USER'): Promise<Fan> {
    const id = await insertUser(this, this.config.walletInitialBalance, role);
    return { id, principal: { userId: id, role } };
  }

  /** A concert with one option of `seats` seats (default 10, 50,000 KRW, 30 days ahead). */
  newShow(opts: { seats?: number; price?: number; concertDate?: Date } = {}): Promise<Show> {
    return insertShow(this, opts);
  }

  /** The reservation module's steps, as a fan takes them. */
  hold(fan: Fan, seatId: number) {
    return this.get(HoldService).hold(fan.principal, seatId);
  }

  async toPaying(fan: Fan, seatId: number): Promise<number> {
    const { id } = await this.hold(fan, seatId);
    await this.get(ReservationTransitions).paying(fan.principal, id);
    return id;
  }

  /** The checkout module's confirm (needs CheckoutModule among the modules under test). */
  confirm(fan: Fan, id: number, request: ConfirmRequest = {}) {
    return this.get(ConfirmService).confirm(fan.principal, id, request);
  }

  /** hold → paying → confirm through the services; fails unless the ticket ends CONFIRMED. */
  async confirmedTicket(fan: Fan, seatId: number, request: ConfirmRequest = {}): Promise<number> {
    const id = await this.toPaying(fan, seatId);
    const view = await this.confirm(fan, id, request);
    if (view.status !== 'CONFIRMED') throw new Error(`confirm left reservation ${id} ${view.status}`);
    return id;
  }

  /** Runs the shutdown hooks of every provider (schedulers, relays, pools). */
  close(): Promise<void> {
    return this.module.close();
  }
}

export interface HarnessOptions {
  env?: Record<string, string>;
  gateway?: PaymentGateway;
  /** Empty the business tables first (default); a second instance on the same database passes false. */
  reset?: boolean;
}

/** Boots `modules` on InfraModule and runs their start-up hooks (as the app does before listening). */
export async function startModules(
  modules: (Type<unknown> | DynamicModule)[],
  options: HarnessOptions = {},
): Promise<ModuleContext> {
  const config = loadConfig({ ...BASE_TEST_ENV, ...options.env });
  if (options.reset !== false) await resetDatabaseAt(config.databaseUrl!);
  const clock = new FakeClock();
  const module = await Test.createTestingModule({
    imports: [
      InfraModule.forRoot(config, pino({ level: 'silent' }), clock),
      PaymentGatewayModule.register(options.gateway),
      ...modules,
    ],
  }).compile();
  await module.init();
  return new ModuleContext(module, config, clock);
}
