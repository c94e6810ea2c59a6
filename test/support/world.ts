import type { PaymentGateway } from '../../src/modules/payment/gateway/payment-gateway.port';
import { checkout } from './checkout';
import { createAdmin, createOption, createUser, TestOption, TestUser } from './factories';
import { FakeClock } from './fake-clock';
import { startTestApp, TestApp } from './test-app';

/**
 * What most e2e specs start from: the app on the test database (its clock a FakeClock, its gateway
 * replaceable), an admin, a fan, one option, and a counter that hands out each seat once.
 */
export interface World {
  t: TestApp;
  clock: FakeClock;
  admin: TestUser;
  user: TestUser;
  option: TestOption;
  /** The next seat no test has used yet. */
  seat(): number;
  /** hold → paying → confirm through HTTP; fails unless the ticket ends CONFIRMED. */
  confirmedTicket(fan?: TestUser): Promise<{ id: number; seatId: number; amount: number }>;
  /** hold → paying → confirm leaving one PENDING attempt (pg-ready, or a gateway told to answer pending). */
  pendingAttempt(fan?: TestUser): Promise<{ id: number; seatId: number; amount: number; attemptId: number }>;
  close(): Promise<void>;
}

export interface WorldOptions {
  env?: Record<string, string>;
  gateway?: PaymentGateway;
  seats?: number;
  price?: number;
  concertDate?: Date;
}

/** Holds are capped per user per option by default; a world lets its fan hold as many as the tests need. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const clock = new FakeClock();
  const t = await startTestApp(
    { MAX_ACTIVE_HOLDS_PER_USER: '0', ...options.env },
    { clock, paymentGateway: options.gateway },
  );
  const admin = await createAdmin(t);
  const user = await createUser(t);
  const option = await createOption(t, admin, {
    seatCount: options.seats ?? 20,
    price: options.price,
    concertDate: options.concertDate,
  });
  let next = 0;
  const seat = () => option.seatIds[next++];
  const confirm = async (fan: TestUser, expected: string) => {
    const seatId = seat();
    const id = await checkout(t, fan).toPaying(seatId);
    const res = await checkout(t, fan).confirm(id).expect(200);
    if (res.body.status !== expected && res.body.paymentStatus !== expected) {
      throw new Error(
        `confirm of ${id} answered ${res.body.status}/${res.body.paymentStatus}, not ${expected}`,
      );
    }
    return {
      id,
      seatId,
      amount: res.body.amount as number,
      attemptId: res.body.paymentTransactionId as number,
    };
  };
  return {
    t,
    clock,
    admin,
    user,
    option,
    seat,
    confirmedTicket: (fan = user) => confirm(fan, 'CONFIRMED'),
    pendingAttempt: (fan = user) => confirm(fan, 'PENDING'),
    close: () => t.close(),
  };
}
