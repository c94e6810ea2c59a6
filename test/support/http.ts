import * as http from 'node:http';
import { ERROR_STATUS } from '../../src/common/errors/error-codes';
import { BUSINESS_TABLES } from './db';
import { TestApp } from './test-app';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: unknown;
}

/**
 * One request exactly as given: no path normalisation, no default Content-Type, any bytes as the body
 * (supertest and fetch both "help" with those). A server that answers before reading a large body may
 * reset the socket while we still write; the answer, once received, is what counts.
 */
export function rawRequest(
  t: TestApp,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
  /** The client's own address: any 127.x.y.z is this machine, so a test can be many clients at once. */
  from?: string,
): Promise<RawResponse> {
  const { port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        localAddress: from,
        method,
        path,
        headers: body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', (err) => {
      // Whether the request went out on a kept-alive connection that the server had closed meanwhile.
      if (!answered) reject(Object.assign(err, { reusedSocket: req.reusedSocket }));
    });
    req.end(body);
  });
}

/** A JSON request from the client address `from` (see rawRequest), with a bearer token if given. */
export function jsonFrom(
  t: TestApp,
  from: string,
  method: string,
  path: string,
  body?: object,
  token?: string,
  extraHeaders: Record<string, string> = {},
) {
  const headers: Record<string, string> = { ...extraHeaders };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  return rawRequest(t, method, path, headers, body === undefined ? undefined : JSON.stringify(body), from);
}

const ERROR_KEYS = new Set(['status', 'errorCode', 'message', 'details', 'correlationId']);

/**
 * The contract's error shape for a refusal: a 4xx (never 5xx), JSON `{status, errorCode, message}` with
 * status equal to the HTTP status and a code of the contract's table, no stack, no HTML.
 * Returns a description of what is wrong, or undefined when the answer is right (fast-check friendly).
 */
export function refusalProblem(res: RawResponse): string | undefined {
  const body = res.body as Record<string, unknown> | undefined;
  const what = `${res.status} ${res.text.slice(0, 300)}`;
  if (res.status < 400 || res.status > 499) return `not a 4xx: ${what}`;
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) return `not JSON: ${what}`;
  if (!body || typeof body !== 'object') return `no JSON object: ${what}`;
  if (body.status !== res.status) return `body.status differs: ${what}`;
  const code = body.errorCode as keyof typeof ERROR_STATUS;
  if (typeof code !== 'string' || ERROR_STATUS[code] !== res.status) return `bad errorCode: ${what}`;
  if (typeof body.message !== 'string') return `no message: ${what}`;
  const extra = Object.keys(body).filter((k) => !ERROR_KEYS.has(k));
  if (extra.length) return `unexpected keys ${extra.join(',')}: ${what}`;
  if (/<html|<!doctype|\bat .+\.[jt]s:\d+|"stack"/i.test(res.text)) return `stack or HTML: ${what}`;
  return undefined;
}

/** The contract's error body for `status` and `errorCode`, exactly: JSON, no other keys, no stack, no HTML. */
export function expectError(
  res: Pick<RawResponse, 'status' | 'headers' | 'text' | 'body'>,
  status: number,
  errorCode: string,
): void {
  expect({ status: res.status, errorCode: (res.body as { errorCode?: unknown })?.errorCode }).toEqual({
    status,
    errorCode,
  });
  expect(refusalProblem(res)).toBeUndefined();
}

/**
 * Everything a refused request must leave as it was: row counts of the business tables, the sum of
 * wallet balances, how many seats, reservations and ledger rows are in each status, the purchase
 * counts, the users' tiers, the sales policies and the live refresh tokens.
 */
export async function stateSnapshot(t: TestApp, except: string[] = []): Promise<Record<string, unknown>> {
  const counts = BUSINESS_TABLES.filter((table) => !except.includes(table))
    .map((table) => `(SELECT count(*) FROM ${table})::int AS "${table}"`)
    .join(', ');
  const [row] = await t.dataSource.query(`
    SELECT ${counts},
      (SELECT coalesce(sum(balance_amount), 0) FROM wallets)::text AS "walletSum",
      (SELECT coalesce(json_object_agg(status, n), '{}') FROM
        (SELECT status, count(*) AS n FROM seats GROUP BY status) s) AS "seatStatus",
      (SELECT coalesce(json_object_agg(status, n), '{}') FROM
        (SELECT status, count(*) AS n FROM reservations GROUP BY status) r) AS "reservationStatus",
      (SELECT coalesce(json_object_agg(k, n), '{}') FROM
        (SELECT type || ':' || status AS k, count(*) AS n FROM payment_transactions GROUP BY 1) p) AS "ledger",
      (SELECT coalesce(sum(active), 0) FROM purchase_counts)::int AS "purchaseCount",
      (SELECT coalesce(json_object_agg(tier, n), '{}') FROM
        (SELECT tier, count(*) AS n FROM users GROUP BY tier) u) AS "tiers",
      (SELECT md5(coalesce(string_agg(p::text, ',' ORDER BY concert_id), '')) FROM sales_policies p) AS "policies",
      (SELECT count(*) FILTER (WHERE t.spent_at IS NULL AND f.revoked_at IS NULL)
         FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id)::int
        AS "liveRefreshTokens"`);
  return row;
}
