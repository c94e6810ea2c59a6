import { bearer, TestUser } from './factories';
import { TestApp } from './test-app';

/** HTTP helpers for the checkout lifecycle, so specs read like the user's steps. */
export function checkout(t: TestApp, user: TestUser) {
  const base = '/api/reservations/v7';
  return {
    hold: (seatId: unknown) => t.http().post(`${base}/holds`).set(bearer(user)).send({ seatId }),
    paying: (id: number) => t.http().post(`${base}/${id}/paying`).set(bearer(user)),
    confirm: (id: number, body: object = {}, idempotencyKey?: string) => {
      const req = t.http().post(`${base}/${id}/confirm`).set(bearer(user));
      if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
      return req.send(body);
    },
    cancel: (id: number) => t.http().post(`${base}/${id}/cancel`).set(bearer(user)),
    refund: (id: number) => t.http().post(`${base}/${id}/refund`).set(bearer(user)),
    get: (id: number) => t.http().get(`${base}/${id}`).set(bearer(user)),
    mine: (query = '') => t.http().get(`${base}/me${query}`).set(bearer(user)),
    payments: (id: number) => t.http().get(`${base}/${id}/payments`).set(bearer(user)),
    /** hold + paying, returning the reservation id. */
    async toPaying(seatId: number): Promise<number> {
      const held = await this.hold(seatId).expect(201);
      await this.paying(held.body.id).expect(200);
      return held.body.id;
    },
  };
}
