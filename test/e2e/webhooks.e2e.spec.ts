import { WebhookReceiver } from '../../support/webhook-receiver';
import { HostResolver } from '../../src/modules/webhooks/target-policy';
import { bearer, createAdmin, createUser, TestUser } from '../support/factories';
import { expectError } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { until } from '../support/wait';

/** DNS as a table the test changes at will (the one network seam the rules allow faking). */
const dns: Record<string, string[]> = {};
const resolver: HostResolver = {
  resolve: async (host) => {
    await Promise.resolve();
    if (!dns[host]) throw new Error(`ENOTFOUND ${host}`);
    return dns[host];
  },
};

/**
 * The admin API of outbound webhooks (contract: Outbound webhooks) with private targets refused, as in
 * production: CRUD, the secret shown once, validation, SSRF at create and again at delivery.
 */
describe('outbound webhooks: admin API', () => {
  let t: TestApp;
  let admin: TestUser;
  let fan: TestUser;
  let receiver: WebhookReceiver;
  const lines: string[] = [];
  const api = (as: TestUser = admin) => ({
    post: (path: string, body?: object) => t.http().post(path).set(bearer(as)).send(body),
    get: (path: string) => t.http().get(path).set(bearer(as)),
    patch: (path: string, body: object) => t.http().patch(path).set(bearer(as)).send(body),
    delete: (path: string) => t.http().delete(path).set(bearer(as)),
  });
  const create = (body: object) => api().post('/api/admin/webhook-endpoints', body);

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    t = await startTestApp(
      { LOG_LEVEL: 'info', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' },
      { resolver, logDestination: { write: (line) => lines.push(line) } },
    );
    admin = await createAdmin(t);
    fan = await createUser(t);
    dns['crm.example.com'] = ['93.184.216.34'];
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('creates an endpoint with its secret shown once; list, patch, rotate and delete never show it again', async () => {
    const created = await create({
      url: 'https://crm.example.com/hooks',
      events: ['ORDER_CONFIRMED', 'SHOW_CANCELLED'],
      description: 'CRM',
    }).expect(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      url: 'https://crm.example.com/hooks',
      events: ['ORDER_CONFIRMED', 'SHOW_CANCELLED'],
      enabled: true,
      disabledReason: null,
      description: 'CRM',
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
      createdAt: expect.stringMatching(/Z$/),
    });
    const { id, secret } = created.body as { id: number; secret: string };
    const listed = await api().get('/api/admin/webhook-endpoints').expect(200);
    expect(listed.body).toEqual([expect.not.objectContaining({ secret: expect.anything() })]);
    const patched = await api()
      .patch(`/api/admin/webhook-endpoints/${id}`, { enabled: false, events: ['ORDER_REFUNDED'] })
      .expect(200);
    expect(patched.body).toMatchObject({
      enabled: false,
      disabledReason: 'BY_ADMIN',
      events: ['ORDER_REFUNDED'],
    });
    expect(patched.body.secret).toBeUndefined();
    const rotated = await api().post(`/api/admin/webhook-endpoints/${id}/secret`).expect(200);
    expect(rotated.body).toEqual({ secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.body.secret).not.toBe(secret);
    const log = lines.join('\n');
    expect(log).toContain('/api/admin/webhook-endpoints');
    expect(log).not.toContain(secret.slice(6));
    expect(log).not.toContain((rotated.body.secret as string).slice(6));
    await api().delete(`/api/admin/webhook-endpoints/${id}`).expect(204);
    expectError(await api().delete(`/api/admin/webhook-endpoints/${id}`), 404, 'NOT_FOUND');
    expectError(await api().post(`/api/admin/webhook-endpoints/${id}/secret`), 404, 'NOT_FOUND');
  });

  it('refuses bad input with 400 VALIDATION_FAILED and creates nothing', async () => {
    const bad = [
      { url: 'https://crm.example.com/x', events: [] },
      { url: 'https://crm.example.com/x', events: ['ORDER_PAID'] },
      { url: 'https://crm.example.com/x', events: ['ORDER_CONFIRMED', 'ORDER_CONFIRMED'] },
      { url: 'ftp://crm.example.com/x', events: ['ORDER_CONFIRMED'] },
      { url: 'not a url', events: ['ORDER_CONFIRMED'] },
      { url: `https://crm.example.com/${'x'.repeat(2000)}`, events: ['ORDER_CONFIRMED'] },
      { url: 'https://user:pw@crm.example.com/x', events: ['ORDER_CONFIRMED'] },
      { url: 'https://crm.example.com/x', events: ['ORDER_CONFIRMED'], secret: 'whsec_mine' },
    ];
    for (const body of bad) expectError(await create(body), 400, 'VALIDATION_FAILED');
    expectError(
      await api().patch('/api/admin/webhook-endpoints/abc', { enabled: true }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await api().get('/api/admin/webhook-endpoints/1/deliveries?status=DONE'),
      400,
      'VALIDATION_FAILED',
    );
    expectError(await api().post('/api/admin/webhook-messages/not-an-id/replay'), 400, 'VALIDATION_FAILED');
    expectError(
      await api().post(`/api/admin/webhook-messages/msg_${'a'.repeat(32)}/replay`),
      404,
      'NOT_FOUND',
    );
    expectError(await api(fan).get('/api/admin/webhook-endpoints'), 403, 'FORBIDDEN');
    expect((await api().get('/api/admin/webhook-endpoints').expect(200)).body).toEqual([]);
  });

  it.each([
    'http://127.0.0.1/hook',
    'http://2130706433/hook',
    'http://0x7f.1/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:a9fe:a9fe]/latest/meta-data',
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.1/hook',
    'http://172.16.5.4/hook',
    'http://192.168.0.10/hook',
    'http://100.64.0.1/hook',
    'http://0.0.0.0/hook',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
    'http://internal.example.com/hook',
    'http://rebind.example.com/hook',
    'http://nowhere.example.com/hook',
  ])('refuses the private target %s at create (400)', async (url) => {
    dns['internal.example.com'] = ['10.1.1.1'];
    dns['rebind.example.com'] = ['93.184.216.34', '127.0.0.1'];
    const res = await create({ url, events: ['ORDER_CONFIRMED'] });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.message).toMatch(/refused/);
  });

  it('checks the target again at delivery: a name that now resolves to loopback (DNS rebinding) fails the message', async () => {
    dns['seller.example.com'] = ['93.184.216.34'];
    const created = await create({
      url: receiver.url('/rebound', 'seller.example.com'),
      events: ['ORDER_CONFIRMED'],
    }).expect(201);
    dns.localhost = ['127.0.0.1'];
    const moved = await api().patch(`/api/admin/webhook-endpoints/${created.body.id}`, {
      url: receiver.url('/rebound2', 'localhost'),
    });
    expectError(moved, 400, 'VALIDATION_FAILED');
    dns['seller.example.com'] = ['127.0.0.1']; // the seller's DNS now points at us
    const sent = await api().post(`/api/admin/webhook-endpoints/${created.body.id}/test`).expect(202);
    expect(sent.body).toEqual({ messageId: expect.stringMatching(/^msg_[0-9a-f]{32}$/) });
    const deliveries = () => api().get(`/api/admin/webhook-endpoints/${created.body.id}/deliveries`);
    await until(async () => (await deliveries()).body[0]?.status === 'FAILED', 3000, 'FAILED');
    const [message] = (await deliveries().expect(200)).body;
    expect(message).toMatchObject({
      messageId: sent.body.messageId,
      eventType: 'WEBHOOK_TEST',
      status: 'FAILED',
      attempts: 1,
      lastResponseStatus: null,
      nextAttemptAt: null,
    });
    expect(message.lastError).toMatch(/resolves to 127\.0\.0\.1/);
    expect(receiver.messages).toHaveLength(0);
    await api().post(`/api/admin/webhook-messages/${sent.body.messageId}/replay`).expect(202);
    await until(async () => (await deliveries()).body[0]?.attempts === 2, 3000, 'the replay');
    expect((await deliveries()).body[0].status).toBe('FAILED');
    expect(receiver.messages).toHaveLength(0);
  });
});
