import * as net from 'node:net';
import { ConfigValidationError, loadConfig } from './config/app-config';
import { environment } from './config/env-file';
import { createApp } from './app.factory';
import { startupBanner } from './banner';
import { PAYMENT_GATEWAY, PaymentGateway } from './modules/payment/gateway/payment-gateway.port';
import { EmbeddedDatabaseError, startEmbeddedPostgres } from './database/embedded-postgres';

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
    console.log(`embedded PostgreSQL 18 serving ${config.embeddedDataDir} on ${embedded.address}`);
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  // SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, run every shutdown hook
  // (schedulers, relays, pools), then stop the embedded PostgreSQL (a fast shutdown: a clean checkpoint).
  const shutdown = async (signal: string) => {
    console.log(`${signal} received: draining`);
    const force = setTimeout(() => process.exit(1), 25_000).unref();
    try {
      // The listener closes first: Nest ends SSE streams and sockets before it closes the HTTP server,
      // and a client reconnecting at once (through a balancer) must reach another instance, not this one.
      // net.Server's close, not http.Server's: that one also drops idle connections, and a connection
      // the balancer has just opened has not sent its request yet; dropped, its POST would fail (a
      // balancer never retries a request it has sent). Requests on such connections are served.
      net.Server.prototype.close.call(app.getHttpServer());
      await app.close();
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

/** A data directory the embedded database cannot use: one clear line, no stack trace. */
function exitOnEmbeddedDatabaseError(err: unknown): never {
  if (!(err instanceof EmbeddedDatabaseError)) throw err;
  console.error(`cannot start: ${err.message}`);
  process.exit(1);
}

void bootstrap();
