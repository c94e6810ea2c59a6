import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, machine as arch, totalmem } from 'node:os';

export interface Row {
  scenario: string;
  metric: string;
  service: number;
  /** Undefined when no ceiling was measured for the metric; the ratio column then shows a dash. */
  ceiling?: number;
  /** Ratio is always service / ceiling: above 1 is worse for latency, below 1 is worse for throughput. */
  note?: string;
}

export function machine(): string {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? 'unknown CPU';
  return `${cpu.length} cores (${arch()}), ${model}, ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}`;
}

/** Other work on the machine shows up in every absolute figure: each run says how busy it was. */
export const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

export const today = () => new Date().toISOString().slice(0, 10);

const fmt = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v)
    ? '—'
    : Number.isInteger(v) || v >= 100
      ? v.toFixed(0)
      : v.toFixed(v >= 10 ? 1 : 2);

function ratio(row: Row): string {
  if (
    !Number.isFinite(row.service) ||
    row.ceiling === undefined ||
    !Number.isFinite(row.ceiling) ||
    row.ceiling === 0
  )
    return '—';
  return `${(row.service / row.ceiling).toFixed(2)}×`;
}

const HEAD = ['scenario', 'metric', 'service', 'ceiling', 'ratio', 'note'];
const cells = (r: Row) => [r.scenario, r.metric, fmt(r.service), fmt(r.ceiling), ratio(r), r.note ?? ''];

/** The table as aligned text for the console. */
export function textTable(rows: Row[]): string {
  const lines = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...lines.map((c) => c[i].length)));
  return lines
    .map((c) =>
      c
        .map((v, i) => v.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function markdownTable(rows: Row[]): string {
  return [
    `| ${HEAD.join(' | ')} |`,
    '| --- | --- | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${cells(r).join(' | ')} |`),
  ].join('\n');
}

/**
 * Replaces the section `## <title>` of bench/RESULTS.md (up to the next `## ` heading) with `body`, or
 * appends it: the file holds the latest run of each benchmark, the earlier ones live in git.
 */
export function recordSection(path: string, title: string, body: string): void {
  const lines = existsSync(path) ? readFileSync(path, 'utf8').trimEnd().split('\n') : ['# Benchmark results'];
  const start = lines.findIndex((l) => l === `## ${title}`);
  const next = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  const section = [`## ${title}`, '', body.trim(), ''];
  if (start < 0) lines.push('', ...section);
  else lines.splice(start, (next < 0 ? lines.length : next) - start, ...section);
  writeFileSync(path, `${lines.join('\n').trimEnd()}\n`);
}
