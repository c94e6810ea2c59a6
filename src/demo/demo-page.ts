import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { NextFunction, Request, Response } from 'express';

/**
 * The demo checkout page (public/: index.html, app.js, style.css — no build step) served at `/`.
 * Only those few files are looked up on disk: every other request (the API) passes straight through
 * without a filesystem stat, so the page costs the API nothing.
 */
export function demoPage() {
  const dir = findPublicDir();
  if (!dir) return (_req: Request, _res: Response, next: NextFunction) => next();
  const files = new Set(readdirSync(dir).map((name) => `/${name}`));
  const serve = express.static(dir, { index: 'index.html', redirect: false, dotfiles: 'ignore' });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path === '/' || files.has(req.path)) return serve(req, res, next);
    next();
  };
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
