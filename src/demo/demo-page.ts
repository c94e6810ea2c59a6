import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The demo checkout page (public/: index.html, app.js, style.css — no build step) served at `/`.
 * `wildcard: false` gives each file found at start-up a route of its own, so the API's requests never
 * touch the filesystem. `decorateReply: false`: Swagger UI registers @fastify/static for /docs as well.
 */
export async function registerDemoPage(app: NestFastifyApplication): Promise<void> {
  const root = findPublicDir();
  if (!root) return;
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    decorateReply: false,
    serveDotFiles: false,
  });
}

/** public/ sits at the project root: two levels above this file under src/, three under dist/src/. */
function findPublicDir(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'public');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}
