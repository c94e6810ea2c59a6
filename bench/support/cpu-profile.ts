import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Node's --cpu-prof writes only on a clean exit, and Nest re-raises SIGTERM after its shutdown hooks, so
 * the profile would be lost. This preload profiles through the inspector instead: the first SIGUSR2 starts
 * the profiler (so start-up stays out of the picture), the second writes the profile and answers on stdout.
 */
const PRELOAD = `
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const session = new Session();
session.connect();
let running = false;
process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 200 }, () =>
        session.post('Profiler.start', () => process.stdout.write('profiling\\n'))));
    return;
  }
  session.post('Profiler.stop', (err, { profile }) => {
    writeFileSync(process.env.BENCH_CPU_PROFILE, JSON.stringify(profile));
    running = false;
    process.stdout.write('profile written\\n');
  });
});
`;

export function profilerPreload(): { preload: string; profilePath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
  const preload = join(dir, 'preload.js');
  writeFileSync(preload, PRELOAD);
  return { preload, profilePath: join(dir, 'hold.cpuprofile') };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface HotFunction {
  name: string;
  where: string;
  selfPct: number;
}

/** Self time per function (summed over call sites), and per package/area, from a .cpuprofile. */
export function topSelfTime(
  profilePath: string,
  limit = 15,
): { functions: HotFunction[]; areas: HotFunction[] } {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByFn = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  let total = 0;
  // Samples are counted, not weighted by timeDeltas: on a shared machine a descheduled process shows up
  // as one huge delta that lands on whatever frame happened to be sampled next.
  profile.samples.forEach((id) => {
    const dt = 1;
    const frame = byId.get(id)!.callFrame;
    const where = shortUrl(frame.url);
    const key = `${frame.functionName || '(anonymous)'}\t${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + dt);
    selfByArea.set(area(frame), (selfByArea.get(area(frame)) ?? 0) + dt);
    total += dt;
  });
  const ranked = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([key, t]) => {
        const [name, where = ''] = key.split('\t');
        return { name, where, selfPct: (100 * t) / total };
      });
  return { functions: ranked(selfByFn), areas: ranked(selfByArea) };
}

/** The bench's private build lives under node_modules/.cache/ (app-process.ts): its files are the app's. */
const isApp = (url: string) =>
  url.includes('/src/') && (!url.includes('node_modules/') || url.includes('/.cache/'));

function shortUrl(url: string): string {
  if (isApp(url)) return url.slice(url.lastIndexOf('/src/') + 1);
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  return url.replace(/^file:\/\//, '');
}

function area(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native/V8)';
  if (isApp(url)) return 'app (src/)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return url;
}

/**
 * Profiles the service (started with profilerPreload) while `load` runs, and describes the profile by self
 * time: `what` names the load, its result gives the rate reached under the profiler.
 */
export async function profileDuring(
  pid: number,
  profilePath: string,
  what: string,
  load: () => Promise<{ okPerSec: number }>,
  limit = 15,
): Promise<string> {
  process.kill(pid, 'SIGUSR2');
  await sleep(500);
  const result = await load();
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 15_000;
  while (!existsSync(profilePath) && Date.now() < deadline) await sleep(200);
  const { functions, areas } = topSelfTime(profilePath, limit);
  return [
    `CPU profile of the app during ${what} (${result.okPerSec.toFixed(0)}/s under the profiler): ${profilePath}`,
    'top self time by function:',
    ...functions.map((f) => `  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`),
    'self time by package/area:',
    ...areas.map((a) => `  ${a.selfPct.toFixed(1).padStart(5)}%  ${a.name}`),
  ].join('\n');
}
