import { nextStep, parseRetryAfter } from './retry-policy';

const SCHEDULE = [5, 300, 1800];
const now = new Date('2026-12-07T10:00:00.000Z');

describe('webhook retry policy', () => {
  it('2xx succeeds; 3xx (a redirect, never followed) and 5xx wait the schedule entry of their failure', () => {
    expect(nextStep({ status: 200 }, 0, SCHEDULE, now)).toEqual({ status: 'SUCCEEDED' });
    expect(nextStep({ status: 299 }, 2, SCHEDULE, now)).toEqual({ status: 'SUCCEEDED' });
    expect(nextStep({ status: 302 }, 0, SCHEDULE, now)).toEqual({ status: 'RETRYING', delayMs: 5000 });
    expect(nextStep({ status: 500 }, 1, SCHEDULE, now)).toEqual({ status: 'RETRYING', delayMs: 300_000 });
    expect(nextStep({ error: 'timed out' }, 2, SCHEDULE, now)).toEqual({
      status: 'RETRYING',
      delayMs: 1_800_000,
    });
  });

  it('fails once the schedule is spent: one more failure than entries', () => {
    expect(nextStep({ status: 500 }, 3, SCHEDULE, now)).toEqual({ status: 'FAILED', disableEndpoint: false });
    expect(nextStep({ status: 500 }, 0, [], now)).toEqual({ status: 'FAILED', disableEndpoint: false });
  });

  it('410 fails at once and disables the endpoint; a refused target fails at once', () => {
    expect(nextStep({ status: 410 }, 0, SCHEDULE, now)).toEqual({ status: 'FAILED', disableEndpoint: true });
    expect(nextStep({ forbidden: true, error: 'x' }, 0, SCHEDULE, now)).toEqual({
      status: 'FAILED',
      disableEndpoint: false,
    });
  });

  it('honours Retry-After on 429 and 503 only, in seconds or as an HTTP date', () => {
    expect(nextStep({ status: 429, retryAfter: '120' }, 0, SCHEDULE, now)).toEqual({
      status: 'RETRYING',
      delayMs: 120_000,
    });
    expect(nextStep({ status: 503, retryAfter: 'Mon, 07 Dec 2026 10:01:00 GMT' }, 0, SCHEDULE, now)).toEqual({
      status: 'RETRYING',
      delayMs: 60_000,
    });
    expect(nextStep({ status: 500, retryAfter: '120' }, 0, SCHEDULE, now)).toEqual({
      status: 'RETRYING',
      delayMs: 5000,
    });
    expect(nextStep({ status: 429, retryAfter: 'soon' }, 0, SCHEDULE, now)).toEqual({
      status: 'RETRYING',
      delayMs: 5000,
    });
  });

  it('Retry-After is bounded: never negative, at most a day', () => {
    expect(parseRetryAfter('Mon, 07 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('9999999', now)).toBe(24 * 3600 * 1000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
