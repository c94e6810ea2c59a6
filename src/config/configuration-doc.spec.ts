import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envSchema } from './env.schema';

const DOC = join(__dirname, '..', '..', 'docs', 'configuration.md');
const README = join(__dirname, '..', '..', 'README.md');

interface Row {
  name: string;
  defaultCell: string;
  rangeCell: string;
}

/** The rows of docs/configuration.md's table: | `NAME` | default | range | meaning |. */
export function documentedVariables(markdown: string): Row[] {
  return [...markdown.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|([^|]*)\|[^|]*\|\s*$/gm)].map(
    ([, name, defaultCell, rangeCell]) => ({
      name,
      defaultCell: defaultCell.trim(),
      rangeCell: rangeCell.trim(),
    }),
  );
}

/** The rows of the README's short table of the settings people change most: | `NAME` | default | what for |. */
export function frontPageSettings(markdown: string): { name: string; defaultCell: string }[] {
  const section = /^## Settings people change most$([\s\S]*?)^## /m.exec(markdown)?.[1] ?? '';
  return [...section.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|[^|]*\|\s*$/gm)].map(
    ([, name, defaultCell]) => ({
      name,
      defaultCell: defaultCell.trim(),
    }),
  );
}

/** How the page writes the value the schema gives an unset variable. */
export function writtenDefault(value: unknown): string {
  if (value === undefined) return 'unset';
  if (value === '') return 'empty';
  if (typeof value === 'string') return `\`${value}\``;
  return String(value);
}

const shape = envSchema.shape as Record<
  string,
  { safeParse(v: unknown): { success: boolean; data?: unknown } }
>;
const accepts = (name: string, value: string) => shape[name].safeParse(value).success;

/**
 * docs/configuration.md is the one list of settings: it must name exactly the variables of the env
 * schema, give each the default the schema applies when the variable is unset, and state ranges the
 * schema really enforces (a numeric range's ends accepted and the values just outside refused, every
 * listed choice accepted, a minimum length exact).
 */
describe('docs/configuration.md against the env schema', () => {
  const rows = documentedVariables(readFileSync(DOC, 'utf8'));
  const documented = rows.map((r) => r.name);
  const schemaKeys = Object.keys(envSchema.shape);

  it('documents every schema variable, once', () => {
    expect(schemaKeys.length).toBeGreaterThan(30);
    expect(schemaKeys.filter((k) => !documented.includes(k))).toEqual([]);
    expect(documented.filter((k, i) => documented.indexOf(k) !== i)).toEqual([]);
  });

  it('documents nothing the schema lacks', () => {
    expect(documented.filter((k) => !schemaKeys.includes(k))).toEqual([]);
  });

  it("gives each variable the schema's own default", () => {
    const wrong = rows
      .filter((r) => shape[r.name])
      .map((r) => ({
        name: r.name,
        expected: writtenDefault(shape[r.name].safeParse(undefined).data),
        cell: r.defaultCell,
      }))
      .filter(({ expected, cell }) => !(cell === expected || cell.startsWith(`${expected} `)))
      .map(({ name, expected, cell }) => `${name}: the schema says ${expected}, the page "${cell}"`);
    expect(wrong).toEqual([]);
  });

  it('states numeric ranges the schema enforces at both ends', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const { name, rangeCell } of rows.filter((r) => shape[r.name])) {
      const range = /^(\d+)\.\.(\d+)\b/.exec(rangeCell);
      if (!range) continue;
      checked++;
      const [min, max] = [Number(range[1]), Number(range[2])];
      if (!accepts(name, String(min)) || !accepts(name, String(max)))
        wrong.push(`${name} refuses an end of ${min}..${max}`);
      if (accepts(name, String(min - 1)) || accepts(name, String(max + 1)))
        wrong.push(`${name} accepts more than ${min}..${max}`);
    }
    expect(checked).toBeGreaterThan(15);
    expect(wrong).toEqual([]);
  });

  it('lists only choices the schema accepts, and booleans as booleans', () => {
    const wrong: string[] = [];
    for (const { name, rangeCell } of rows.filter((r) => shape[r.name])) {
      if (rangeCell === 'boolean') {
        if (
          !['true', 'false', '1', '0', 'yes', 'no'].every((v) => accepts(name, v)) ||
          accepts(name, 'maybe')
        ) {
          wrong.push(`${name} is not a boolean`);
        }
      } else if (/^`[^`]+`(, `[^`]+`)*$/.test(rangeCell)) {
        const choices = [...rangeCell.matchAll(/`([^`]+)`/g)].map(([, v]) => v);
        wrong.push(...choices.filter((v) => !accepts(name, v)).map((v) => `${name} refuses ${v}`));
        if (accepts(name, 'not-a-listed-choice')) wrong.push(`${name} accepts more than ${rangeCell}`);
      }
      const length = /^≥ (\d+) characters$/.exec(rangeCell);
      if (length) {
        const n = Number(length[1]);
        if (!accepts(name, 'x'.repeat(n)) || accepts(name, 'x'.repeat(n - 1)))
          wrong.push(`${name} is not ≥ ${n} characters`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("the README's ten settings are schema variables with the schema's defaults", () => {
    const settings = frontPageSettings(readFileSync(README, 'utf8'));
    expect(settings).toHaveLength(10);
    const wrong = settings
      .map(({ name, defaultCell }) => {
        if (!shape[name]) return `${name}: not in the schema`;
        const expected = writtenDefault(shape[name].safeParse(undefined).data);
        return defaultCell === expected || defaultCell.startsWith(`${expected} `)
          ? undefined
          : `${name}: the schema says ${expected}, the README "${defaultCell}"`;
      })
      .filter((w) => w !== undefined);
    expect(wrong).toEqual([]);
  });
});
