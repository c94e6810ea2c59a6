import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule, AppOverrides } from './app.module';
import { errorBody } from './common/errors/error-body';
import { AppConfig } from './config/app-config';
import { assignCorrelationId } from './common/logging/logging.module';
import { securityHeaders } from './common/security/security-headers';
import { demoPage } from './demo/demo-page';

export const BODY_LIMIT = '100kb';

/**
 * Builds the application (used by main.ts and by every e2e test): body parsing with a size limit,
 * JSON errors for malformed bodies, CORS from config, OpenAPI at /docs, the demo page at /.
 */
export async function createApp(config: AppConfig, overrides: AppOverrides = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, overrides), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('etag', false);
  // The correlation id exists before body parsing, so even a malformed body's error carries it.
  app.use(assignCorrelationId);
  app.use(securityHeaders());
  // The demo checkout page at / (public/), under the same CSP as everything else.
  app.use(demoPage());
  // The webhook verifies the exact bytes it was sent, so the raw body is kept beside the parsed one.
  app.use(
    json({
      limit: BODY_LIMIT,
      verify: (req: Request & { rawBody?: Buffer }, _res, buf) => {
        req.rawBody = buf;
      },
    }),
  );
  app.use(bodyParserErrors);
  app.enableCors({ origin: config.corsOrigins.length ? config.corsOrigins : false });
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

/** body-parser errors happen before Nest routing; answer them in the contract's shape here. */
function bodyParserErrors(
  err: unknown,
  req: Request & { id?: string },
  res: Response,
  next: NextFunction,
): void {
  const type = (err as { type?: string })?.type;
  const id = typeof req.id === 'string' ? req.id : undefined;
  if (type === 'entity.parse.failed') {
    res.status(400).json(errorBody('MALFORMED_JSON', 'Request body is not valid JSON', undefined, id));
  } else if (type === 'entity.too.large') {
    res.status(413).json(errorBody('PAYLOAD_TOO_LARGE', `Request body exceeds ${BODY_LIMIT}`, undefined, id));
  } else if (type) {
    res.status(400).json(errorBody('VALIDATION_FAILED', 'Request body could not be read', undefined, id));
  } else {
    next(err);
  }
}
