import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, AppOverrides } from './app.module';
import { fastifyOptions } from './http/fastify-options';
import { registerJsonBody } from './http/json-body';
import { registerRequestHooks } from './http/request-hooks';
import { FrameworkQuietLogger } from './common/logging/framework-quiet-logger';
import { createRootLogger } from './common/logging/logging.module';
import { registerSecurityHeaders } from './http/security-headers';
import { AppConfig } from './config/app-config';
import { registerDemoPage } from './demo/demo-page';
import { Metrics } from './infra/metrics/metrics.service';

/**
 * Builds the application (used by main.ts and by every e2e test) on Fastify: the request id is the
 * correlation id, JSON-only bodies with a size limit, security headers, CORS from config, OpenAPI at
 * /docs, the demo page at /. Fastify rather than Express because the per-request cost of the framework
 * was most of a hold's CPU time (bench/RESULTS.md).
 */
export async function createApp(config: AppConfig, overrides: AppOverrides = {}): Promise<INestApplication> {
  const logger = createRootLogger(config, overrides.logDestination);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, overrides, logger),
    new FastifyAdapter(fastifyOptions(logger, config.behindTls, config.trustProxy)),
    { bufferLogs: true, bodyParser: false },
  );
  app.useLogger(new FrameworkQuietLogger(app.get(Logger)));
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestHooks(fastify, logger, app.get(Metrics));
  registerJsonBody(fastify);
  registerSecurityHeaders(fastify, config.behindTls);
  // The demo checkout page at / (public/), under the same CSP as everything else.
  await registerDemoPage(app);
  // No CORS_ORIGINS, no CORS handling at all (same-origin only), rather than a per-request hook saying no.
  if (config.corsOrigins.length) app.enableCors({ origin: config.corsOrigins });
  // socket.io (/realtime) shares the HTTP server and port.
  app.useWebSocketAdapter(new IoAdapter(app));

  const openApi = new DocumentBuilder()
    .setTitle('Ticket checkout API')
    .setDescription('Holds, payments, refunds and realtime push for concert tickets (v7 contract)')
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi), {
    jsonDocumentUrl: 'docs-json',
  });
  return app;
}
