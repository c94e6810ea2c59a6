import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

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
  return `${cpu.length} cores, ${model}, ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}`;
}

export const today = () => new Date().toISOString().slice(0, 10);

const fmt = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v)
    ? '—'
    : v >= 100
      ? v.toFixed(0)
      : v >= 10
        ? v.toFixed(1)
        : v.toFixed(2);

function ratio(row: Row): string {
  if (row.ceiling === undefined || !Number.isFinite(row.ceiling) || row.ceiling === 0) return '—';
  return `${(row.service / row.ceiling).toFixed(2)}×`;
}

/** The table as aligned text for the console. */
export function textTable(rows: Row[]): string {
  const cells = [
    ['scenario', 'metric', 'service', 'ceiling', 'ratio', 'note'],
    ...rows.map((r) => [r.scenario, r.metric, fmt(r.service), fmt(r.ceiling), ratio(r), r.note ?? '']),
  ];
  const widths = cells[0].map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  return cells
    .map((c) =>
      c
        .map((v, i) => v.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function markdownTable(rows: Row[]): string {
  const lines = [
    '| scenario | metric | service | ceiling | ratio | note |',
    '| --- | --- | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.metric} | ${fmt(r.service)} | ${fmt(r.ceiling)} | ${ratio(r)} | ${r.note ?? ''} |`,
    ),
  ];
  return lines.join('\n');
}

const SECTION = '## Service vs ceiling';
const INTRO = `Written by \`npm run bench\` (bench/run.ts). Every figure is measured in one run on one machine, beside
the ceiling it is compared with: the same hold transaction run by pgbench against the same PostgreSQL
(bench/pgbench-hold.sql; mean of one run before and one after the service), and a bare node:http server for
the trivial route. Since 2026-11-26 a run also holds the tables of the expiry, webhook and push benchmarks,
each with its own baseline. Newest run first.`;

/**
 * Puts this run at the top of the "Service vs ceiling" section of bench/RESULTS.md, keeping earlier runs
 * and every other section (they belong to the other benchmarks) exactly as they are.
 */
export function recordResults(path: string, run: string): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  const start = text.search(new RegExp(`^${SECTION}\\s*$`, 'm'));
  if (start < 0) {
    writeFileSync(path, `${text.trimEnd()}\n\n${SECTION}\n\n${INTRO}\n\n${run.trim()}\n`);
    return;
  }
  const afterHeading = start + SECTION.length;
  const nextSection = text.slice(afterHeading).search(/^## /m);
  const end = nextSection < 0 ? text.length : afterHeading + nextSection;
  const body = text.slice(afterHeading, end);
  const firstRun = body.search(/^### /m);
  const earlier = firstRun < 0 ? '' : `\n\n${body.slice(firstRun).trim()}`;
  const section = `${SECTION}\n\n${INTRO}\n\n${run.trim()}${earlier}\n`;
  const rest = text.slice(end);
  writeFileSync(path, `${text.slice(0, start)}${section}${rest ? `\n${rest}` : ''}`);
}
