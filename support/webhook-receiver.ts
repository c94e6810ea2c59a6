import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as the receiver saw it, with which of the path's secrets verified its signature. */
export interface ReceivedMessage {
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** verified[i]: the package's Webhook(secrets[i]).verify accepted the request. */
  verified: boolean[];
  /** Date.now() when the request arrived. */
  at: number;
}

/** What to answer; `delayMs` before answering (a slow endpoint). */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

/**
 * A seller's endpoint on 127.0.0.1 (real HTTP) for tests and benchmarks: records every request, verifies
 * its Standard Webhooks signature with the `standardwebhooks` package against the secrets set for its
 * path, answers what `reply` says (200 by default), and tracks the most requests in flight per path.
 */
export class WebhookReceiver {
  readonly messages: ReceivedMessage[] = [];
  private readonly secrets = new Map<string, string[]>();
  private readonly replies = new Map<string, (n: number, message: ReceivedMessage) => Reply>();
  private readonly counts = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  readonly maxInFlight = new Map<string, number>();
  private server?: Server;
  private port = 0;
  /** Replies still waiting out their delay: close() ends them, so no timer outlives the receiver. */
  private readonly delays = new Set<{ timer: NodeJS.Timeout; done: () => void }>();

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const delay of this.delays) {
      clearTimeout(delay.timer);
      delay.done();
    }
    this.delays.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  url(path: string, host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  /** The secrets a path's requests are verified against (set after create or rotate). */
  verifyWith(path: string, ...secrets: string[]): void {
    this.secrets.set(path, secrets);
  }

  /** How a path answers its n-th request (1-based). */
  reply(path: string, fn: (n: number, message: ReceivedMessage) => Reply): void {
    this.replies.set(path, fn);
  }

  on(path: string): ReceivedMessage[] {
    return this.messages.filter((m) => m.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    this.inFlight.set(path, (this.inFlight.get(path) ?? 0) + 1);
    this.maxInFlight.set(path, Math.max(this.maxInFlight.get(path) ?? 0, this.inFlight.get(path)!));
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      const message: ReceivedMessage = {
        path,
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        verified: (this.secrets.get(path) ?? []).map((secret) => verifies(secret, body, headers)),
        at: Date.now(),
      };
      this.messages.push(message);
      const n = (this.counts.get(path) ?? 0) + 1;
      this.counts.set(path, n);
      const reply = this.replies.get(path)?.(n, message) ?? { status: 200 };
      if (reply.delayMs) await this.wait(reply.delayMs);
      if (res.destroyed) return;
      res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
      res.end(reply.body ?? 'ok');
    } finally {
      this.inFlight.set(path, this.inFlight.get(path)! - 1);
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const delay = {
        timer: setTimeout(() => {
          this.delays.delete(delay);
          resolve();
        }, ms),
        done: resolve,
      };
      this.delays.add(delay);
    });
  }
}

function verifies(secret: string, body: string, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}
