import { createHmac } from 'node:crypto';
import { computeSignature, signWebhook, verifyWebhookSignature } from './webhook-signature';

const SECRET = 'whsec_unit';
const BODY = Buffer.from('{"providerEventId":"evt-1","status":"APPROVED","amount":50000}');
const T = 1_800_000_000;
const NOW = T * 1000;

const check = (
  header: string | string[] | undefined,
  overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {},
) => verifyWebhookSignature({ header, rawBody: BODY, secret: SECRET, nowMs: NOW, ...overrides });

describe('webhook signature', () => {
  it('is hex HMAC-SHA256 of "<t>.<raw body>" (independent computation)', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY.toString()}`).digest('hex');
    expect(computeSignature(SECRET, T, BODY)).toBe(expected);
    expect(signWebhook(SECRET, BODY, T)).toBe(`t=${T},v1=${expected}`);
  });

  it('accepts a correct signature, also with spaces and upper-case hex', () => {
    expect(check(signWebhook(SECRET, BODY, T))).toEqual({ ok: true, timestamp: T });
    const hex = computeSignature(SECRET, T, BODY).toUpperCase();
    expect(check(`t=${T}, v1=${hex}`)).toEqual({ ok: true, timestamp: T });
  });

  it('verifies the raw bytes: the same JSON re-serialized differently does not verify', () => {
    const header = signWebhook(SECRET, BODY, T);
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 2));
    expect(check(header, { rawBody: reformatted })).toEqual({ ok: false, reason: 'MISMATCH' });
  });

  it('rejects a changed body, a wrong secret and a changed timestamp', () => {
    const header = signWebhook(SECRET, BODY, T);
    expect(check(header, { rawBody: Buffer.from(BODY.toString().replace('50000', '50001')) }).ok).toBe(false);
    expect(check(signWebhook('other-secret', BODY, T))).toEqual({ ok: false, reason: 'MISMATCH' });
    const v1 = computeSignature(SECRET, T, BODY);
    expect(check(`t=${T + 1},v1=${v1}`)).toEqual({ ok: false, reason: 'MISMATCH' });
  });

  it('allows 300 s of clock difference either way and no more', () => {
    expect(check(signWebhook(SECRET, BODY, T - 300)).ok).toBe(true);
    expect(check(signWebhook(SECRET, BODY, T + 300)).ok).toBe(true);
    expect(check(signWebhook(SECRET, BODY, T - 301))).toEqual({ ok: false, reason: 'STALE' });
    expect(check(signWebhook(SECRET, BODY, T + 301))).toEqual({ ok: false, reason: 'STALE' });
  });

  it('refuses missing and malformed headers without throwing', () => {
    const v1 = computeSignature(SECRET, T, BODY);
    expect(check(undefined)).toEqual({ ok: false, reason: 'MISSING' });
    expect(check('')).toEqual({ ok: false, reason: 'MISSING' });
    expect(check(['a', 'b'])).toEqual({ ok: false, reason: 'MISSING' });
    for (const bad of [
      `v1=${v1}`,
      `t=${T}`,
      `t=abc,v1=${v1}`,
      `t=${T},t=${T},v1=${v1}`,
      `t=-5,v1=${v1}`,
      'garbage',
      `t=${T},v1=${v1},${'x'.repeat(2000)}`,
    ]) {
      expect(check(bad).ok).toBe(false);
    }
    expect(check(`t=${T},v1=${v1.slice(0, 63)}`)).toEqual({ ok: false, reason: 'MISMATCH' });
    expect(check(`t=${T},v1=${'zz'.repeat(32)}`)).toEqual({ ok: false, reason: 'MISMATCH' });
  });

  it('accepts any matching v1 (secret rotation) and ignores unknown schemes', () => {
    const good = computeSignature(SECRET, T, BODY);
    const old = computeSignature('old-secret', T, BODY);
    expect(check(`t=${T},v1=${old},v1=${good}`).ok).toBe(true);
    expect(check(`t=${T},v0=abc,v1=${good}`).ok).toBe(true);
  });

  it('refuses everything when no secret is configured', () => {
    expect(check(signWebhook(SECRET, BODY, T), { secret: undefined })).toEqual({
      ok: false,
      reason: 'NO_SECRET',
    });
    expect(check(signWebhook('', BODY, T), { secret: '' })).toEqual({ ok: false, reason: 'NO_SECRET' });
  });

  it('treats a missing raw body as empty (a non-JSON delivery cannot be forged into one)', () => {
    expect(check(signWebhook(SECRET, BODY, T), { rawBody: undefined }).ok).toBe(false);
    expect(check(signWebhook(SECRET, '', T), { rawBody: undefined }).ok).toBe(true);
  });
});
