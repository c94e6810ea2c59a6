import autocannon from 'autocannon';
import { Agent, request } from 'node:http';

export interface LoadResult {
  /** Successful (2xx) responses per second over the measured window. */
  okPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
}

export interface CannonOptions {
  url: string;
  connections: number;
  /** Either a duration or a number of requests. */
  durationSec?: number;
  amount?: number;
  requests?: autocannon.Request[];
}

/** autocannon, in-process (the server under test is always another process). */
export async function cannon(options: CannonOptions): Promise<LoadResult> {
  const started = Date.now();
  let lastResponse = started;
  // The returned tracker is also the promise of the result.
  const run = autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.durationSec }),
    requests: options.requests,
    timeout: 10,
  }) as Promise<autocannon.Result> & autocannon.Instance;
  // A run of `amount` requests ends on autocannon's next 1 s sample tick, not at its last response: its
  // window would be rounded up to whole seconds.
  if (options.amount) run.on('response', () => (lastResponse = Date.now()));
  const result = await run;
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stat.count ?? 0;
  const [from, to] = options.amount ? [started, lastResponse] : [+result.start, +result.finish];
  return {
    okPerSec: (result['2xx'] * 1000) / (to - from),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
  };
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

/** A keep-alive JSON client for scenarios that chain calls (autocannon times requests, not flows). */
export class JsonClient {
  private readonly agent: Agent;

  /**
   * `keepIdle`: idle connections kept open for reuse (Node's default keeps 256 and closes the rest as each
   * request ends); a crowd of browsers, each keeping its own connection between clicks, needs them all.
   * `timeoutMs`: a call with no answer for that long fails (status 0 through the scenarios' wrappers).
   */
  constructor(
    private readonly baseUrl: string,
    maxSockets: number,
    keepIdle = 256,
    private readonly timeoutMs = 30_000,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: keepIdle });
  }

  post(path: string, token: string, body?: unknown): Promise<JsonResponse> {
    return this.request('POST', path, token, body);
  }

  request(method: string, path: string, token: string, body?: unknown): Promise<JsonResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // keep the raw text; the caller reports it
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout ${path}`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The q-th percentile (0–100) of a list of numbers, nearest-rank. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return sorted[rank];
}
