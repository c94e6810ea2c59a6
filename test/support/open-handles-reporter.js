/* global process, console, setTimeout, module, require */
/**
 * Jest runs without forceExit, so anything a spec leaves open (a socket, a server, a child process, a
 * timer) keeps the run from ending. Rather than let CI hang to its time limit, this reporter waits a
 * little after the last spec; if the process is still alive then, it names what is open (for a timer:
 * its delay, its callback and where it was set) and exits 1. A clean run is over before the timer fires
 * (the reporter's own timer does not keep the process alive).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads reporters as CommonJS
const { createHook } = require('node:async_hooks');

const GRACE_MS = 10_000;

/** Every live Timeout with the stack that set it (a short one: timers are many). */
const timers = new Map();
createHook({
  init(id, type, _trigger, resource) {
    if (type !== 'Timeout') return;
    const holder = { stack: '' };
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 14;
    Error.captureStackTrace(holder);
    Error.stackTraceLimit = limit;
    timers.set(id, { resource, stack: holder.stack });
  },
  destroy(id) {
    timers.delete(id);
  },
}).enable();

function describeHandle(handle) {
  const kind = handle?.constructor?.name ?? typeof handle;
  if (kind === 'Socket' || kind === 'TLSSocket')
    return `${kind} ${handle.localAddress}:${handle.localPort} -> ${handle.remoteAddress}:${handle.remotePort}`;
  if (kind === 'Server') return `Server listening on ${JSON.stringify(handle.address?.())}`;
  if (kind === 'ChildProcess') return `ChildProcess pid ${handle.pid}: ${handle.spawnargs?.join(' ')}`;
  return kind;
}

/** The stack without node's own frames and this hook's. */
function ownFrames(stack) {
  const frames = stack.split('\n').slice(1);
  return frames
    .filter((f) => !/node:internal|node:timers|async_hooks|open-handles-reporter/.test(f))
    .join('\n');
}

function describeTimer({ resource, stack }) {
  const callback = resource._onTimeout;
  const source = String(callback).replace(/\s+/g, ' ').slice(0, 160);
  const every = resource._repeat ? `every ${resource._repeat} ms` : `once, after ${resource._idleTimeout} ms`;
  return `Timeout ${every}: ${callback?.name || '(anonymous)'} ${source}\n${ownFrames(stack)}`;
}

class OpenHandlesReporter {
  onRunComplete() {
    setTimeout(() => {
      const handles = process._getActiveHandles().filter((h) => h !== process.stdout && h !== process.stderr);
      const refTimers = [...timers.values()].filter(({ resource }) => resource.hasRef?.());
      console.error(
        `\nThe test run ended ${GRACE_MS / 1000} s ago but the process is still open. Active resources: ` +
          `${JSON.stringify(process.getActiveResourcesInfo())}\n` +
          [...handles.map(describeHandle), ...refTimers.map(describeTimer)].map((d) => `  - ${d}`).join('\n'),
      );
      process.exit(1);
    }, GRACE_MS).unref();
  }
}

module.exports = OpenHandlesReporter;
