import { newEndpointSecret, SecretBox } from './secret-box';

describe('webhook secret box', () => {
  const box = new SecretBox('a-configured-key-of-at-least-32-characters');

  it('seals so the stored form does not reveal the secret, and opens it again', () => {
    const secret = newEndpointSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const sealed = box.seal(secret);
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain(secret.slice(6));
    expect(box.seal(secret)).not.toBe(sealed); // a fresh IV each time
    expect(box.open(sealed)).toBe(secret);
  });

  it('refuses a sealed value under another key, or tampered with', () => {
    const sealed = box.seal(newEndpointSecret());
    expect(() => new SecretBox('another-key-of-at-least-32-characters!!').open(sealed)).toThrow();
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open(`v1.${raw.toString('base64')}`)).toThrow();
  });
});
