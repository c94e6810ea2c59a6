import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_STATUS } from '../../src/common/errors/error-codes';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Keeps docs/api.md honest against the running app: every operation of the OpenAPI document (/docs-json)
 * has its own `### METHOD /path` heading there, every `METHOD /path` the page names anywhere exists in the
 * app, and its error table is exactly the code → status table of src/common/errors/error-codes.ts.
 */
const API_MD = join(__dirname, '..', '..', 'docs', 'api.md');
const METHODS = 'GET|POST|PUT|PATCH|DELETE';

/** `GET /api/concerts/{id}/options` and `GET /api/concerts/{optionId}/options` name the same route. */
const routeKey = (method: string, path: string) =>
  `${method.toUpperCase()} ${path.replace(/\{[^}]*\}/g, '{}')}`;

/** The endpoint headings: one `### METHOD /path` per endpoint. */
export function documentedEndpoints(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const [, method, path] of markdown.matchAll(new RegExp(`^#{2,4} (${METHODS}) (/\\S*)\\s*$`, 'gm'))) {
    found.set(routeKey(method, path), `${method} ${path}`);
  }
  return found;
}

/** Every `METHOD /path` written anywhere on the page (headings, prose, tables), without its query string. */
export function mentionedEndpoints(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const [, method, path] of markdown.matchAll(new RegExp(`\\b(${METHODS}) (/[^\\s\`?)\\],;]*)`, 'g'))) {
    found.set(routeKey(method, path), `${method} ${path}`);
  }
  return found;
}

/** The rows of the table under `### Error codes`: | `CODE` | status | … |. */
export function documentedErrorCodes(markdown: string): Map<string, number> {
  const section = /^### Error codes$([\s\S]*?)^##? /m.exec(markdown)?.[1] ?? '';
  const rows = section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm);
  return new Map([...rows].map(([, code, status]) => [code, Number(status)]));
}

describe('docs/api.md against the running app', () => {
  let t: TestApp;
  let markdown: string;
  let openApi: Map<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    markdown = readFileSync(API_MD, 'utf8');
    const res = await t.http().get('/docs-json').expect(200);
    const paths = res.body.paths as Record<string, Record<string, unknown>>;
    openApi = new Map(
      Object.entries(paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => [routeKey(method, path), `${method.toUpperCase()} ${path}`]),
      ),
    );
  });
  afterAll(() => t.close());

  it('reads a real OpenAPI document and a real page', () => {
    expect(openApi.size).toBeGreaterThan(40);
    expect(documentedEndpoints(markdown).size).toBeGreaterThan(40);
  });

  it('has a `### METHOD /path` section for every OpenAPI operation', () => {
    const documented = documentedEndpoints(markdown);
    const missing = [...openApi].filter(([key]) => !documented.has(key)).map(([, route]) => route);
    expect(missing).toEqual([]);
  });

  it('names no route the app does not serve', async () => {
    const stale: string[] = [];
    for (const [key, route] of mentionedEndpoints(markdown)) {
      if (openApi.has(key)) continue;
      // Outside the OpenAPI document (/metrics, /docs, /docs-json, the pages): ask the app itself.
      const [method, path] = route.split(' ');
      if (method !== 'GET') {
        stale.push(route);
        continue;
      }
      const res = await t
        .http()
        .get(path.replace(/\{[^}]*\}/g, '1'))
        .redirects(2);
      const unrouted = res.status === 404 && String(res.body?.message ?? '').startsWith('Route ');
      if (unrouted || res.status >= 500) stale.push(`${route} (${res.status})`);
    }
    expect(stale).toEqual([]);
  });

  it('lists every error code with its HTTP status, and no other', () => {
    const documented = documentedErrorCodes(markdown);
    expect(Object.fromEntries(documented)).toEqual(ERROR_STATUS);
  });
});
