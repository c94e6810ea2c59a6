import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The pages a reader follows links between: the front page, docs/, and bench/README.md once it exists. */
function pages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f));
  return [join(ROOT, 'README.md'), ...docs, join(ROOT, 'bench', 'README.md')].filter((f) => existsSync(f));
}

/** Markdown without fenced code blocks (a link or heading inside one is not one). */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** GitHub's heading anchor: the rendered text, lower case, punctuation dropped, each space a hyphen. */
export function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links show their text
    .replace(/<[^>]+>/g, '') // inline HTML is not text
    .replace(/[`*]/g, '') // code and emphasis markers
    .trim()
    .toLowerCase();
  return rendered.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a page offers: its headings' slugs (a repeated one gets -1, -2, …) and explicit ids. */
export function anchorsOf(markdown: string): Set<string> {
  const text = withoutFences(markdown);
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of text.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const slug = githubSlug(heading);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const [, id] of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

/** The relative links of a page (inline code and code blocks left out), as written. */
export function relativeLinks(markdown: string): string[] {
  const text = withoutFences(markdown).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map(([, target]) => target)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target)); // http:, https:, mailto: are not ours
}

describe('links between the docs', () => {
  it('slugs headings as GitHub does', () => {
    expect(githubSlug('Hold → pay → confirm')).toBe('hold--pay--confirm');
    expect(githubSlug('GET /api/v1/waiting-queue/subscribe')).toBe('get-apiv1waiting-queuesubscribe');
    expect(githubSlug('Seat selection (soft locks)')).toBe('seat-selection-soft-locks');
    expect(githubSlug('Where do I put X?')).toBe('where-do-i-put-x');
    expect(githubSlug('`PUT` the [policy](x.md), *now*')).toBe('put-the-policy-now');
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n### A\n')]).toEqual(['a', 'a-1', 'a-2']);
    expect(relativeLinks('[a](b.md#c) `[d](e.md)` [f](https://x.y) [g](#h)')).toEqual(['b.md#c', '#h']);
  });

  it('every relative link names a file that exists, and every #anchor a heading of that file', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages()) {
      for (const target of relativeLinks(readFileSync(page, 'utf8'))) {
        checked++;
        const [path, anchor] = target.split('#', 2);
        const file = path === '' ? page : join(dirname(page), decodeURI(path));
        const where = `${relative(ROOT, page)} → ${target}`;
        if (!existsSync(file)) {
          broken.push(`${where}: no such file`);
        } else if (anchor !== undefined) {
          if (!file.endsWith('.md')) broken.push(`${where}: an anchor into a file that is not markdown`);
          else if (!anchorsOf(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor))) {
            broken.push(`${where}: no such heading`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
    expect(broken).toEqual([]);
  });
});
