import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AttemptResult } from './retry-policy';
import { HOST_RESOLVER, HostResolver, hostOf, isIpLiteral, isPublicAddress } from './target-policy';

/** Bytes of an answer kept in the delivery log. */
export const EXCERPT_BYTES = 1024;

export interface SendResult extends AttemptResult {
  excerpt?: string;
  durationMs: number;
}

class TargetRefused extends Error {}

/**
 * One POST of a message, as the contract wants it: redirects are not followed (Node's http never does),
 * the whole exchange is bounded by WEBHOOK_TIMEOUT_MS, and unless private targets are allowed the
 * connection goes only to an address checked at this moment: the lookup that connects is the one that
 * checks (a DNS answer that changed since the endpoint was created, DNS rebinding, is caught here).
 * Connections are kept alive per host, which the throughput of a busy endpoint needs.
 */
@Injectable()
export class WebhookSender implements OnModuleDestroy {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
  };
  private readonly lookup: LookupFunction;

  constructor(
    private readonly config: AppConfig,
    @Inject(HOST_RESOLVER) private readonly resolver: HostResolver,
  ) {
    this.lookup = (hostname, options, callback) => {
      this.resolver.resolve(hostname).then(
        (addresses) => {
          const refused = config.webhookAllowPrivateTargets
            ? undefined
            : addresses.find((a) => !isPublicAddress(a));
          if (refused || addresses.length === 0) {
            return callback(new TargetRefused(`${hostname} resolves to ${refused ?? 'nothing'}`), '', 4);
          }
          const family = (a: string) => (a.includes(':') ? 6 : 4);
          if (options.all) {
            (callback as unknown as (e: null, all: { address: string; family: number }[]) => void)(
              null,
              addresses.map((address) => ({ address, family: family(address) })),
            );
          } else {
            callback(null, addresses[0], family(addresses[0]));
          }
        },
        (err: Error) => callback(err as NodeJS.ErrnoException, '', 4),
      );
    };
  }

  onModuleDestroy(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }

  async send(target: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const done = (result: AttemptResult & { excerpt?: string }): SendResult => ({
      ...result,
      durationMs: Math.round(performance.now() - started),
    });
    const url = new URL(target);
    const host = hostOf(url);
    if (!this.config.webhookAllowPrivateTargets && isIpLiteral(host) && !isPublicAddress(host)) {
      return done({ forbidden: true, error: `${host} is not a public address` });
    }
    try {
      return done(await this.post(url, headers, body));
    } catch (err) {
      if (err instanceof TargetRefused) return done({ forbidden: true, error: err.message });
      return done({ error: String((err as Error).message ?? err).slice(0, 200) });
    }
  }

  private post(url: URL, headers: Record<string, string>, body: string) {
    return new Promise<AttemptResult & { excerpt?: string }>((resolve, reject) => {
      const protocol = url.protocol as 'http:' | 'https:';
      const request = (protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        agent: this.agents[protocol],
        lookup: this.lookup,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'checkout-webhooks/1',
        },
      });
      const timer = setTimeout(
        () => request.destroy(new Error(`timed out after ${this.config.webhookTimeoutMs} ms`)),
        this.config.webhookTimeoutMs,
      );
      request.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          resolve({
            status: response.statusCode,
            retryAfter: response.headers['retry-after'],
            excerpt: excerptOf(Buffer.concat(chunks)),
          });
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          kept += chunk.length;
          // Enough for the log: stop reading (the status decided the outcome), and drop the connection.
          if (kept >= EXCERPT_BYTES) {
            finish();
            response.destroy();
          }
        });
        response.on('end', finish);
        response.on('error', (err) => {
          clearTimeout(timer);
          if (!finished) reject(err);
        });
      });
      request.end(body);
    });
  }
}

/** At most EXCERPT_BYTES bytes of UTF-8, never a broken character at the cut. */
export function excerptOf(bytes: Buffer): string {
  let text = bytes.subarray(0, EXCERPT_BYTES).toString('utf8');
  while (Buffer.byteLength(text) > EXCERPT_BYTES || text.endsWith('\uFFFD')) text = text.slice(0, -1);
  return text;
}
