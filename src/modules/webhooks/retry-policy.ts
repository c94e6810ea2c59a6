/** What one attempt came to, as far as the retry rules care. */
export interface AttemptResult {
  /** HTTP status, when an answer came back in time. */
  status?: number;
  /** The Retry-After header of that answer. */
  retryAfter?: string;
  /** Why no usable answer came: timeout, connection refused, a refused target, … */
  error?: string;
  /** The target is (or resolved to) an address we must not call: never retried. */
  forbidden?: boolean;
}

export type NextStep =
  | { status: 'SUCCEEDED' }
  | { status: 'RETRYING'; delayMs: number }
  | { status: 'FAILED'; disableEndpoint: boolean };

/** Longest Retry-After honoured: an endpoint cannot park a message for longer than the log keeps it. */
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

/**
 * Retry-After as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable.
 */
export function parseRetryAfter(header: string | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now.getTime();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/**
 * The rules of the contract after one attempt: a 2xx succeeds (3xx are failures: redirects are never
 * followed); 410 fails at once and disables the endpoint; a refused target fails at once; anything else
 * waits the schedule's next entry (or the Retry-After of a 429/503) until the schedule is spent.
 * `failuresBefore`: failed attempts of this message since it was created or last replayed.
 */
export function nextStep(
  result: AttemptResult,
  failuresBefore: number,
  scheduleSeconds: number[],
  now: Date,
): NextStep {
  if (result.status !== undefined && result.status >= 200 && result.status < 300) {
    return { status: 'SUCCEEDED' };
  }
  if (result.status === 410) return { status: 'FAILED', disableEndpoint: true };
  if (result.forbidden) return { status: 'FAILED', disableEndpoint: false };
  if (failuresBefore >= scheduleSeconds.length) return { status: 'FAILED', disableEndpoint: false };
  const asked =
    result.status === 429 || result.status === 503 ? parseRetryAfter(result.retryAfter, now) : undefined;
  return { status: 'RETRYING', delayMs: asked ?? scheduleSeconds[failuresBefore] * 1000 };
}
