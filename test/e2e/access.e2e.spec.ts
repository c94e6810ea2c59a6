import * as jwt from 'jsonwebtoken';
import { bearer, createAdmin, createOption, createUser, TestOption, TestUser } from '../support/factories';
import { checkout } from '../support/checkout';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_JWT_SECRET } from '../support/test-env';
import { rawRequest, RawResponse, refusalProblem, stateSnapshot } from '../support/http';
import { connectSocket, openSse } from '../../support/realtime-clients';

/**
 * Who may touch what. Owner-scoped resources answer another user exactly as if they did not exist (404,
 * same message as an unknown id); anonymous callers get 401; admin endpoints refuse a USER with 403
 * (the refund override also records the refusal); forged tokens are 401 everywhere. Nothing changes.
 */

const nowSec = () => Math.floor(Date.now() / 1000);
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

function expectRefusal(res: RawResponse, status: number, errorCode: string): void {
  expect(refusalProblem(res)).toBeUndefined();
  expect([res.status, (res.body as { errorCode: string }).errorCode]).toEqual([status, errorCode]);
}

describe('access control', () => {
  let t: TestApp;
  let admin: TestUser;
  let alice: TestUser;
  let mallory: TestUser;
  let option: TestOption;
  let holdId: number;
  let confirmedId: number;

  const call = (user: TestUser | undefined, method: string, path: string, body?: object) =>
    rawRequest(
      t,
      method,
      path,
      { ...(user ? bearer(user) : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body ? JSON.stringify(body) : undefined,
    );

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createAdmin(t);
    alice = await createUser(t, 'alice');
    mallory = await createUser(t, 'mallory');
    option = await createOption(t, admin, { seatCount: 4 });
    holdId = (await checkout(t, alice).hold(option.seatIds[0]).expect(201)).body.id;
    confirmedId = await checkout(t, alice).toPaying(option.seatIds[1]);
    await t
      .http()
      .post(`/api/reservations/v7/${confirmedId}/confirm`)
      .set(bearer(alice))
      .send({})
      .expect(200);
  });
  afterAll(() => t.close());

  const ownerRoutes = () => [
    { method: 'GET', path: `/api/reservations/v7/${holdId}` },
    { method: 'GET', path: `/api/reservations/v7/${confirmedId}/payments` },
    { method: 'POST', path: `/api/reservations/v7/${holdId}/paying` },
    { method: 'POST', path: `/api/reservations/v7/${holdId}/confirm`, body: {} },
    { method: 'POST', path: `/api/reservations/v7/${holdId}/cancel` },
    { method: 'POST', path: `/api/reservations/v7/${confirmedId}/cancel` },
    { method: 'POST', path: `/api/reservations/v7/${confirmedId}/refund` },
  ];

  it("answers another user's reservation routes 404, exactly like an unknown id, and changes nothing", async () => {
    const before = await stateSnapshot(t);
    for (const route of ownerRoutes()) {
      const res = await call(mallory, route.method, route.path, route.body);
      expectRefusal(res, 404, 'NOT_FOUND');
      const unknownPath = route.path.replace(/\/v7\/\d+/, '/v7/2147483000');
      const unknown = await call(mallory, route.method, unknownPath, route.body);
      expect(res.body).toMatchObject({ message: (unknown.body as { message: string }).message });
    }
    expect(await stateSnapshot(t)).toEqual(before);
    const mine = await t.http().get('/api/reservations/v7/me').set(bearer(mallory)).expect(200);
    expect(mine.body).toEqual([]);
    const seats = await t.dataSource.query(
      'SELECT status FROM reservations WHERE id IN ($1, $2) ORDER BY id',
      [holdId, confirmedId],
    );
    expect(seats).toEqual([{ status: 'HOLD' }, { status: 'CONFIRMED' }]);
  });

  it("refuses another user's wallet with 403 and leaves the balance alone", async () => {
    const before = await stateSnapshot(t);
    expectRefusal(await call(mallory, 'GET', `/api/users/${alice.id}/wallet`), 403, 'FORBIDDEN');
    expectRefusal(await call(mallory, 'GET', `/api/users/${alice.id}/wallet/transactions`), 403, 'FORBIDDEN');
    expectRefusal(
      await call(mallory, 'POST', `/api/users/${alice.id}/wallet/charges`, { amount: 1000 }),
      403,
      'FORBIDDEN',
    );
    expect(await stateSnapshot(t)).toEqual(before);
  });

  it('answers every authenticated endpoint 401 for an anonymous caller, and changes nothing', async () => {
    const before = await stateSnapshot(t);
    const routes = [
      ...ownerRoutes(),
      { method: 'GET', path: '/api/auth/me' },
      { method: 'GET', path: '/api/reservations/v7/me' },
      { method: 'GET', path: '/api/reservations/v7/events' },
      { method: 'POST', path: '/api/reservations/v7/holds', body: { seatId: option.seatIds[2] } },
      { method: 'GET', path: `/api/users/${alice.id}/wallet` },
      { method: 'GET', path: `/api/users/${alice.id}/wallet/transactions` },
      { method: 'POST', path: `/api/users/${alice.id}/wallet/charges`, body: { amount: 1000 } },
      { method: 'POST', path: '/api/admin/concerts', body: { title: 'Anon' } },
      {
        method: 'POST',
        path: `/api/admin/concerts/${option.concertId}/options`,
        body: { concertDate: '2027-01-01T00:00:00.000Z', seatCount: 1 },
      },
      { method: 'GET', path: '/api/admin/payments/pending' },
      { method: 'GET', path: '/api/reservations/v7/audit/admin-refunds' },
      { method: 'POST', path: `/api/reservations/v7/admin/${confirmedId}/refund`, body: {} },
    ];
    for (const route of routes) {
      expectRefusal(await call(undefined, route.method, route.path, route.body), 401, 'UNAUTHENTICATED');
    }
    // Not even a DENIED audit row: an anonymous caller is nobody to record.
    expect(await stateSnapshot(t)).toEqual(before);
  });

  it('refuses a USER on every admin endpoint with 403 FORBIDDEN, creating nothing', async () => {
    const before = await stateSnapshot(t);
    const routes = [
      { method: 'POST', path: '/api/admin/concerts', body: { title: 'Mine now' } },
      {
        method: 'POST',
        path: `/api/admin/concerts/${option.concertId}/options`,
        body: { concertDate: '2027-01-01T00:00:00.000Z', seatCount: 1 },
      },
      { method: 'GET', path: '/api/admin/payments/pending' },
      { method: 'GET', path: '/api/reservations/v7/audit/admin-refunds' },
    ];
    for (const route of routes) {
      expectRefusal(await call(mallory, route.method, route.path, route.body), 403, 'FORBIDDEN');
    }
    expect(await stateSnapshot(t)).toEqual(before);
  });

  it("refuses a USER's refund override with 403 and writes exactly one DENIED audit row, refunding nothing", async () => {
    const before = await stateSnapshot(t, ['admin_refund_audit_logs']);
    const res = await call(mallory, 'POST', `/api/reservations/v7/admin/${confirmedId}/refund`, {
      reason: 'let me in',
    });
    expectRefusal(res, 403, 'FORBIDDEN');
    expect(await stateSnapshot(t, ['admin_refund_audit_logs'])).toEqual(before);
    const rows = await t.dataSource.query(
      `SELECT reservation_id, actor_user_id, actor_role, result FROM admin_refund_audit_logs`,
    );
    expect(rows).toEqual([
      { reservation_id: confirmedId, actor_user_id: mallory.id, actor_role: 'USER', result: 'DENIED' },
    ]);
    // The DENIED answer tells the caller nothing about the reservation.
    expect(res.text).not.toMatch(/REFUND|CONFIRMED|amount|userId/i);
  });

  describe('forged and expired tokens (beyond GET /api/auth/me, which auth.e2e covers)', () => {
    const forged = () => {
      const adminClaims = { sub: String(admin.id), role: 'ADMIN' };
      return {
        'alg none': `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...adminClaims, iat: nowSec(), exp: nowSec() + 600 })}.`,
        'wrong secret': jwt.sign(adminClaims, 'not-the-server-secret-at-all', {
          algorithm: 'HS256',
          expiresIn: 600,
        }),
        expired: jwt.sign({ ...adminClaims, iat: nowSec() - 7200, exp: nowSec() - 1 }, TEST_JWT_SECRET, {
          algorithm: 'HS256',
        }),
        'other HMAC algorithm': jwt.sign(adminClaims, TEST_JWT_SECRET, {
          algorithm: 'HS512',
          expiresIn: 600,
        }),
        'not yet valid': jwt.sign(adminClaims, TEST_JWT_SECRET, {
          algorithm: 'HS256',
          expiresIn: 600,
          notBefore: 300,
        }),
      };
    };

    it('answers 401 on user, admin, wallet and stream endpoints, and changes nothing', async () => {
      const before = await stateSnapshot(t);
      for (const [kind, token] of Object.entries(forged())) {
        const as = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
        const attempts: [string, string, string | undefined, Record<string, string>][] = [
          ['POST', '/api/reservations/v7/holds', JSON.stringify({ seatId: option.seatIds[3] }), as],
          ['POST', '/api/admin/concerts', JSON.stringify({ title: 'Forged' }), as],
          ['GET', '/api/reservations/v7/audit/admin-refunds', undefined, as],
          ['GET', `/api/users/${alice.id}/wallet`, undefined, as],
          ['POST', `/api/reservations/v7/admin/${confirmedId}/refund`, '{}', as],
          ['GET', `/api/reservations/v7/events?access_token=${token}`, undefined, {}],
        ];
        for (const [method, path, body, headers] of attempts) {
          const res = await rawRequest(t, method, path, headers, body);
          if (refusalProblem(res) || res.status !== 401)
            throw new Error(`${kind} ${method} ${path}: ${res.status}`);
        }
      }
      expect(await stateSnapshot(t)).toEqual(before);
    });

    it('a correctly signed token with a claim of the wrong type is 401 on HTTP, SSE and socket.io', async () => {
      const sign = (claims: object) =>
        jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: 600 });
      const malformed: Record<string, string> = {
        // Number(['<id>']) is the id: these named a real user, or looked up one that cannot exist (404).
        'sub an array of a real id': sign({ sub: [String(alice.id)], role: 'USER' }),
        'sub an array of an unknown id': sign({ sub: [2147483000], role: 'USER' }),
        'sub true': sign({ sub: true, role: 'USER' }),
        'sub in hex': sign({ sub: `0x${alice.id.toString(16)}`, role: 'USER' }),
        'sub an object': sign({ sub: { id: alice.id }, role: 'USER' }),
        'sub a float': sign({ sub: '1.5', role: 'USER' }),
        'sub 0': sign({ sub: '0', role: 'USER' }),
        'role lower-case': sign({ sub: String(alice.id), role: 'user' }),
        'jti a number': sign({ sub: String(alice.id), role: 'USER', jti: 1, fam: 'family' }),
      };
      const before = await stateSnapshot(t);
      for (const [kind, token] of Object.entries(malformed)) {
        const as = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
        for (const [method, path, body] of [
          ['GET', '/api/auth/me', undefined],
          ['GET', `/api/users/${alice.id}/wallet`, undefined],
          ['POST', '/api/reservations/v7/holds', JSON.stringify({ seatId: option.seatIds[3] })],
        ] as const) {
          const res = await rawRequest(t, method, path, as, body);
          expect({ kind, path, status: res.status, body: res.body }).toEqual({
            kind,
            path,
            status: 401,
            body: expect.objectContaining({ status: 401, errorCode: 'UNAUTHENTICATED' }),
          });
        }
        const sse = await openSse(`${t.url}/api/reservations/v7/events`, {
          Authorization: `Bearer ${token}`,
        });
        sse.close();
        expect({ kind, sse: sse.status }).toEqual({ kind, sse: 401 });
        await expect(connectSocket(t.url, token)).rejects.toMatchObject({ message: 'UNAUTHENTICATED' });
      }
      expect(await stateSnapshot(t)).toEqual(before);
    });

    it('a correctly signed token of a user that does not exist is refused (4xx), never a 500', async () => {
      const ghost = jwt.sign({ sub: '2147483000', role: 'USER' }, TEST_JWT_SECRET, {
        algorithm: 'HS256',
        expiresIn: 600,
      });
      const as = { Authorization: `Bearer ${ghost}`, 'Content-Type': 'application/json' };
      const before = await stateSnapshot(t);
      for (const [method, path, body] of [
        ['GET', '/api/auth/me', undefined],
        ['POST', '/api/reservations/v7/holds', JSON.stringify({ seatId: option.seatIds[3] })],
        ['POST', '/api/users/2147483000/wallet/charges', JSON.stringify({ amount: 1000 })],
      ] as const) {
        const res = await rawRequest(t, method, path, as, body);
        expect({ path, problem: refusalProblem(res) }).toEqual({ path, problem: undefined });
        if (path.endsWith('/holds')) expect(res.body).toMatchObject({ errorCode: 'UNAUTHENTICATED' });
      }
      expect(await stateSnapshot(t)).toEqual(before);
    });
  });
});
