import type { EntityManager } from 'typeorm';
import { ChargeResult, RefundResult } from './payment-gateway.port';

/**
 * The port's commit steps for every card provider (mock, pg-ready, the tests' double): nothing happens in
 * the transaction that records an outcome, because the money moved at the gateway. The wallet, whose money
 * is our own table, is the provider that moves it there. A provider class assigns these as its members.
 */
export const SETTLED_AT_GATEWAY = {
  async commitCharge(_em: EntityManager, _request: unknown, result: ChargeResult): Promise<ChargeResult> {
    return result;
  },
  async commitRefund(_em: EntityManager, _request: unknown, result: RefundResult): Promise<RefundResult> {
    return result;
  },
};
