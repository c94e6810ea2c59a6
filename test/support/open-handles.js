/* global process, module, require */
/**
 * What keeps a process alive: its handles (sockets, servers, child processes) and its referenced timers,
 * each described well enough to find the spec that left it (a timer: its delay, its callback and where it
 * was set). Shared by the open-handles reporter (jest's own process, --runInBand) and the leak-reporting
 * test environment (each jest worker).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by jest as CommonJS
const { createHook } = require('node:async_hooks');

/** Every live Timeout with the stack that set it (a short one: timers are many). */
const timers = new Map();
let tracking = false;

/** Starts recording where timers are set; call once, before the specs run. */
function trackTimers() {
  if (tracking) return;
  tracking = true;
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
}

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
  return frames.filter((f) => !/node:internal|node:timers|async_hooks|open-handles/.test(f)).join('\n');
}

function describeTimer({ resource, stack }) {
  const callback = resource._onTimeout;
  const source = String(callback).replace(/\s+/g, ' ').slice(0, 160);
  const every = resource._repeat ? `every ${resource._repeat} ms` : `once, after ${resource._idleTimeout} ms`;
  return `Timeout ${every}: ${callback?.name || '(anonymous)'} ${source}\n${ownFrames(stack)}`;
}

/**
 * The process's active resources and a line per open handle and referenced timer, leaving out `ignore`
 * (handles the process needs to exist at all: its stdio, a worker's channel to jest).
 */
function describeOpenHandles(ignore = []) {
  const handles = process
    ._getActiveHandles()
    .filter((h) => h !== process.stdout && h !== process.stderr && !ignore.includes(h));
  const refTimers = [...timers.values()].filter(({ resource }) => resource.hasRef?.());
  return (
    `Active resources: ${JSON.stringify(process.getActiveResourcesInfo())}\n` +
    [...handles.map(describeHandle), ...refTimers.map(describeTimer)].map((d) => `  - ${d}`).join('\n')
  );
}

module.exports = { trackTimers, describeOpenHandles };
