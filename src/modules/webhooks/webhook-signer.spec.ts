import { Webhook } from 'standardwebhooks';
import { newEndpointSecret } from './secret-box';
import { signMessage } from './webhook-signer';

describe('webhook signatures (standardwebhooks)', () => {
  const body = JSON.stringify({
    type: 'ORDER_CONFIRMED',
    timestamp: '2026-12-07T10:00:00.000Z',
    data: { id: 1 },
  });

  it('one secret: the package verifies the headers; another secret or a changed body does not', () => {
    const secret = newEndpointSecret();
    const headers = signMessage([secret], 'msg_1', new Date(), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toMatchObject({ type: 'ORDER_CONFIRMED' });
    expect(() => new Webhook(newEndpointSecret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
  });

  it('two live secrets (rotation overlap): two space-separated signatures, each verified with its secret', () => {
    const [current, previous] = [newEndpointSecret(), newEndpointSecret()];
    const headers = signMessage([current, previous], 'msg_2', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(previous).verify(body, { ...headers })).not.toThrow();
  });

  it('the timestamp header is the attempt time in unix seconds; a stale one is refused by the package', () => {
    const secret = newEndpointSecret();
    const at = new Date(Date.now() - 10 * 60_000);
    const headers = signMessage([secret], 'msg_3', at, body);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(() => new Webhook(secret).verify(body, { ...headers })).toThrow(/too old/);
  });
});
