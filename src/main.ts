import * as net from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { ConfigValidationError, loadConfig } from './config/app-config';
import { environment } from './config/env-file';
import { createApp } from './app.factory';
import { startupBanner } from './banner';
import { PAYMENT_GATEWAY, PaymentGateway } from './modules/payment/gateway/payment-gateway.port';
import { EmbeddedDatabaseError, EmbeddedPostgres, startEmbeddedPostgres } from './database/embedded-postgres';
import { StartupRefusal } from './bootstrap/startup-refusal';

/** Enough for pino's pending asynchronous writes to reach stdout before the banner. */
const BANNER_DELAY_MS = 100;

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(environment());
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const embedded = config.databaseIsEmbedded
    ? await startEmbeddedPostgres(config.embeddedDataDir).catch(exitOnEmbeddedDatabaseError)
    : undefined;
  if (embedded) {
    config.databaseUrl = embedded.url;
    // Tokens outlive a restart: the data directory keeps the signing secret (an explicit one wins).
    if (config.jwtSecretGenerated) config.jwtSecret = embedded.jwtSecret;
    console.log(`embedded PostgreSQL 18 serving ${config.embeddedDataDir} on ${embedded.address}`);
  }
  let app: INestApplication | undefined;
  try {
    app = await createApp(config);
    await app.listen(config.port, config.host);
  } catch (err) {
    return stopAfterFailedStart(err, config, app, embedded);
  }
  // SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, run every shutdown hook
  // (schedulers, relays, pools), then stop the embedded PostgreSQL (its sessions have ended: a checkpoint).
  const shutdown = async (signal: string) => {
    console.log(`${signal} received: draining`);
    const force = setTimeout(() => process.exit(1), 25_000).unref();
    try {
      // The listener closes first: Nest ends SSE streams and sockets before it closes the HTTP server,
      // and a client reconnecting at once (through a balancer) must reach another instance, not this one.
      // net.Server's close, not http.Server's: that one also drops idle connections, and a connection
      // the balancer has just opened has not sent its request yet; dropped, its POST would fail (a
      // balancer never retries a request it has sent). Requests on such connections are served.
      net.Server.prototype.close.call(app!.getHttpServer());
      await app!.close();
      await embedded?.stop();
    } finally {
      clearTimeout(force);
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  const banner = startupBanner(config, app.get<PaymentGateway>(PAYMENT_GATEWAY).mode);
  // Last on the screen: pino writes stdout asynchronously (its flush() does not wait with the default
  // stream), so the start-up lines get a moment to land before this synchronous write overtakes them.
  await new Promise((resolve) => setTimeout(resolve, BANNER_DELAY_MS));
  console.log(banner);
}

/**
 * Start-up failed after the embedded server may have started: what the operator must fix (a refusal, a
 * busy or forbidden port) is one line, anything else its stack; then stop what was started, and exit 1.
 */
async function stopAfterFailedStart(
  err: unknown,
  listen: { port: number; host: string },
  app: INestApplication | undefined,
  embedded: EmbeddedPostgres | undefined,
): Promise<never> {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `port ${listen.port} on ${listen.host}`;
  if (err instanceof StartupRefusal) console.error(`cannot start: ${err.message}`);
  else if (code === 'EADDRINUSE')
    console.error(`cannot start: ${where} is already in use: stop what holds it or set PORT`);
  else if (code === 'EACCES')
    console.error(`cannot start: ${where} is not open to this user: set PORT (above 1023)`);
  else console.error(err);
  setTimeout(() => process.exit(1), 25_000).unref();
  await app?.close().catch(() => undefined);
  await embedded?.stop();
  process.exit(1);
}

/** A data directory the embedded database cannot use: one clear line, no stack trace. */
function exitOnEmbeddedDatabaseError(err: unknown): never {
  if (!(err instanceof EmbeddedDatabaseError)) throw err;
  console.error(`cannot start: ${err.message}`);
  process.exit(1);
}

void bootstrap();
