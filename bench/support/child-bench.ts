import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './app-process';

export interface ChildBenchOutcome {
  file: string;
  status: 'ok' | 'failed' | 'timed out' | 'missing';
  seconds: number;
  /** The child's last markdown table (its `|` lines), for bench/RESULTS.md; empty if it printed none. */
  table: string;
}

/**
 * Runs another issue's benchmark (bench/expiry.ts, …) as a child process with its output prefixed,
 * bounded by `timeoutSec`: SIGTERM to its PID, then SIGKILL to the process group it leads (it was
 * started detached, so the group holds only what it started itself).
 */
export async function runChildBench(
  file: string,
  timeoutSec: number,
  args: string[] = [],
): Promise<ChildBenchOutcome> {
  const path = join(REPO_ROOT, 'bench', file);
  if (!existsSync(path)) return { file, status: 'missing', seconds: 0, table: '' };
  const started = Date.now();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const prefix = (stream: NodeJS.WritableStream) => (d: Buffer) =>
    stream.write(
      d
        .toString()
        .split('\n')
        .map((l, i, all) => (i === all.length - 1 && l === '' ? '' : `  [${file}] ${l}`))
        .join('\n'),
    );
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stdout.on('data', prefix(process.stdout));
  child.stderr.on('data', prefix(process.stderr));
  let timedOut = false;
  const term = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
  }, timeoutSec * 1000);
  const kill = setTimeout(
    () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
    (timeoutSec + 15) * 1000,
  );
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(term);
  clearTimeout(kill);
  if (timedOut) {
    try {
      process.kill(-child.pid!, 'SIGKILL'); // whatever it had started and left behind
    } catch {
      // nothing left
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const status = timedOut ? 'timed out' : code === 0 ? 'ok' : 'failed';
  return { file, status, seconds, table: lastMarkdownTable(stdout) };
}

function lastMarkdownTable(output: string): string {
  let last: string[] = [];
  let current: string[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith('|')) current.push(line);
    else if (current.length > 0) [last, current] = [current, []];
  }
  return (current.length > 0 ? current : last).join('\n');
}
