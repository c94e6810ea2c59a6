import { createHmac, timingSafeEqual } from 'node:crypto';

/** Name of the header the PG sends (Express lower-cases header names). */
export const SIGNATURE_HEADER = 'x-pg-signature';
/** How far `t` may be from our clock, either way, before a delivery counts as replayed or forged. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const UNIX_SECONDS = /^[0-9]{1,12}$/;
/** A real header is ~80 characters; anything far longer is not worth parsing. */
const MAX_HEADER_LENGTH = 1024;

export type SignatureFailure = 'NO_SECRET' | 'MISSING' | 'MALFORMED' | 'STALE' | 'MISMATCH';
export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailure };

/** hex HMAC-SHA256(secret, "<t>.<raw body>"): the contract's v1 scheme. */
export function computeSignature(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The X-PG-Signature value for `rawBody` (used by the dev tool, the tests and the benchmark). */
export function signWebhook(secret: string, rawBody: Buffer | string, timestamp: number): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, rawBody)}`;
}

/**
 * Verifies the exact bytes received, never a re-serialized object (key order or whitespace would differ).
 * Several `v1` entries are accepted so the PG can sign with an old and a new secret during a rotation.
 */
export function verifyWebhookSignature(input: {
  header: string | string[] | undefined;
  rawBody: Buffer | undefined;
  secret: string | undefined;
  nowMs: number;
  toleranceSeconds?: number;
}): SignatureCheck {
  if (!input.secret) return { ok: false, reason: 'NO_SECRET' };
  const header = input.header;
  if (typeof header !== 'string' || header === '') return { ok: false, reason: 'MISSING' };
  if (header.length > MAX_HEADER_LENGTH) return { ok: false, reason: 'MALFORMED' };

  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, reason: 'MALFORMED' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !UNIX_SECONDS.test(value)) return { ok: false, reason: 'MALFORMED' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      candidates.push(value.toLowerCase());
    } // Unknown schemes (v0, future v2) are ignored, as a versioned scheme intends.
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, reason: 'MALFORMED' };

  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(input.nowMs / 1000 - timestamp) > tolerance) return { ok: false, reason: 'STALE' };

  const expected = Buffer.from(computeSignature(input.secret, timestamp, input.rawBody ?? ''), 'hex');
  // Every candidate is compared, in constant time per comparison, so timing reveals no prefix.
  let matched = false;
  for (const candidate of candidates) {
    if (!HEX_SHA256.test(candidate)) continue;
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) matched = true;
  }
  return matched ? { ok: true, timestamp } : { ok: false, reason: 'MISMATCH' };
}
