import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/database/data-source';
import { AppChild, asTestApp, startAppChild } from './app-child';
import { freePort, OwnedProcess } from '../../support/processes';
import { resetDatabaseAt } from './db';
import { freshRedis } from './fixtures';
import { startKafkaMock, KafkaMock } from '../../support/kafka-mock';
import { NGINX, nginxConf } from '../../support/nginx-conf';
import { TestApp } from './test-app';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './test-env';
import { until } from './wait';

const ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** Between taking an instance out of nginx and stopping it (docs/operations.md: "wait a few seconds"). */
const DRAIN_WAIT_MS = 2000;

/** One `node dist/main.js` of the cluster, on a port of its own that survives its restarts. */
export interface ClusterInstance {
  port: number;
  app?: AppChild;
}

/**
 * The deployment docs/operations.md describes, on this machine: three instances of the built service (one
 * PostgreSQL, one Redis, the Kafka mock) behind nginx with the repository's own rules
 * (deploy/nginx/checkout-*.conf, the files docker-compose.yml mounts). Starts from an empty database and
 * Redis. Every process is the test's own, stopped by its PID.
 */
export class Cluster {
  readonly url: string;
  /** The balancer as the factories' TestApp (createUser, createOption, … go through nginx). */
  readonly balancer: TestApp;
  private nginx?: OwnedProcess;

  private constructor(
    /** The test database, to check the invariants behind the instances' backs. */
    readonly db: DataSource,
    readonly instances: ClusterInstance[],
    private readonly env: Record<string, string>,
    private readonly kafka: KafkaMock,
    private readonly nginxPort: number,
    private readonly dir: string,
  ) {
    this.url = `http://127.0.0.1:${nginxPort}`;
    this.balancer = asTestApp({ url: this.url }, db);
  }

  static async start(env: Record<string, string> = {}): Promise<Cluster> {
    await resetDatabaseAt(TEST_DATABASE_URL);
    await (await freshRedis()).quit();
    const db = createDataSource(TEST_DATABASE_URL, 2);
    await db.initialize();
    const kafka = await startKafkaMock();
    const sharedEnv = {
      REDIS_URL: TEST_REDIS_URL,
      KAFKA_BROKERS: kafka.brokers.join(','),
      TRUST_PROXY: '127.0.0.1', // nginx, here on loopback: its X-Forwarded-For names the client
      ...env,
    };
    const instances: ClusterInstance[] = [];
    for (let i = 0; i < 3; i++) instances.push({ port: await freePort() });
    await Promise.all(instances.map(async (i) => (i.app = await startAppChild(sharedEnv, { port: i.port }))));
    const dir = mkdtempSync(join(tmpdir(), 'checkout-nginx-'));
    const cluster = new Cluster(db, instances, sharedEnv, kafka, await freePort(), dir);
    await cluster.startNginx();
    return cluster;
  }

  /**
   * Restarts instance `i` as docs/operations.md "Running several instances" tells operators to. SIGTERM is a planned
   * restart: the instance is first taken out of nginx (`down`, then a reload), so that no new request
   * reaches it, then stopped (it drains what it has), started again and put back. SIGKILL is a crash:
   * nginx learns it from refused connections. Resolves with when it stopped and when it answered again.
   */
  async restart(i: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<{ stoppedAt: number; readyAt: number }> {
    const instance = this.instances[i];
    if (signal === 'SIGTERM') {
      await this.reloadNginx(i);
      // Requests nginx sent it before the reload finish (on a busy machine one can wait in the accept queue).
      await new Promise((r) => setTimeout(r, DRAIN_WAIT_MS));
    }
    const stoppedAt = Date.now();
    await instance.app?.proc.stop(signal, 25_000);
    instance.app = await startAppChild(this.env, { port: instance.port });
    const readyAt = Date.now();
    if (signal === 'SIGTERM') await this.reloadNginx();
    return { stoppedAt, readyAt };
  }

  /** Instance `i` directly, bypassing nginx (to look at what one instance says). */
  direct(i: number): string {
    return `http://127.0.0.1:${this.instances[i].port}`;
  }

  async stop(): Promise<void> {
    await this.nginx?.stop('SIGTERM');
    await Promise.all(this.instances.map((i) => i.app?.proc.stop('SIGTERM', 25_000)));
    await this.kafka.stop();
    await this.db.destroy();
    // nginx's error log says why a client got a 502/503 (refused, reset, no live upstream).
    mkdirSync(ARTIFACTS, { recursive: true });
    if (existsSync(this.errorLog)) copyFileSync(this.errorLog, join(ARTIFACTS, 'nginx-error.log'));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get errorLog(): string {
    return join(this.dir, 'error.log');
  }

  private writeConf(down?: number): string {
    const file = join(this.dir, 'nginx.conf');
    const ports = this.instances.map((i) => i.port);
    writeFileSync(file, nginxConf(this.dir, this.nginxPort, ports, down));
    return file;
  }

  private async startNginx(): Promise<void> {
    const conf = this.writeConf();
    const nginx = OwnedProcess.start(NGINX, ['-p', this.dir, '-c', conf, '-g', 'daemon off;']);
    this.nginx = nginx;
    const answers = () =>
      fetch(`${this.url}/health/live`).then(
        (r) => r.ok,
        () => false,
      );
    await until(async () => !nginx.running || (await answers()), 15_000, 'nginx to answer');
    if (!nginx.running) throw new Error(`nginx exited:\n${nginx.tail}`);
  }

  /** Rewrites nginx.conf (instance `down` out of rotation, if given) and reloads it: SIGHUP to its PID. */
  private async reloadNginx(down?: number): Promise<void> {
    const reloads = () => readFileSync(this.errorLog, 'utf8').split('reconfiguring').length;
    const before = reloads();
    this.writeConf(down);
    this.nginx?.child.kill('SIGHUP');
    await until(async () => reloads() > before, 10_000, 'nginx to reload');
    // New workers take new connections from here; the old ones finish what they were proxying.
    await new Promise((r) => setTimeout(r, 300));
  }
}
