/* global process, console, setTimeout, module */
/**
 * Jest runs without forceExit, so anything a spec leaves open (a socket, a server, a child process, a
 * timer) keeps the run from ending. Rather than let CI hang to its time limit, this reporter waits a
 * little after the last spec; if the process is still alive then, it names what is open and exits 1.
 * A clean run is over before the timer fires (the timer itself does not keep the process alive).
 */
const GRACE_MS = 10_000;

function describeHandle(handle) {
  const kind = handle?.constructor?.name ?? typeof handle;
  if (kind === 'Socket' || kind === 'TLSSocket')
    return `${kind} ${handle.localAddress}:${handle.localPort} -> ${handle.remoteAddress}:${handle.remotePort}`;
  if (kind === 'Server') return `Server listening on ${JSON.stringify(handle.address?.())}`;
  if (kind === 'ChildProcess') return `ChildProcess pid ${handle.pid}: ${handle.spawnargs?.join(' ')}`;
  return kind;
}

class OpenHandlesReporter {
  onRunComplete(_contexts, results) {
    setTimeout(() => {
      const handles = process._getActiveHandles().filter((h) => h !== process.stdout && h !== process.stderr);
      console.error(
        `\nThe test run ended ${GRACE_MS / 1000} s ago but the process is still open. Active resources: ` +
          `${JSON.stringify(process.getActiveResourcesInfo())}\n` +
          handles.map((h) => `  - ${describeHandle(h)}`).join('\n'),
      );
      process.exit(1);
    }, GRACE_MS).unref();
    return results;
  }
}

module.exports = OpenHandlesReporter;
