/* global process, console, setTimeout, module, require */
/**
 * Jest runs without forceExit, so anything a spec leaves open (a socket, a server, a child process, a
 * timer) keeps the run from ending. Rather than let CI hang to its time limit, this reporter waits a
 * little after the last spec; if the process is still alive then, it names what is open (for a timer:
 * its delay, its callback and where it was set) and exits 1. A clean run is over before the timer fires
 * (the reporter's own timer does not keep the process alive).
 *
 * With several workers the specs run in other processes, which jest kills when they do not end after
 * the last spec (and only warns). There the leak-reporting environment names what was open as the
 * worker is stopped, and this reporter turns jest's warning into a failed run.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads reporters as CommonJS
const { describeOpenHandles, trackTimers } = require('./open-handles');

const GRACE_MS = 10_000;
/** What jest-runner prints when it had to kill a worker that did not exit after its last spec. */
const WORKER_FORCE_EXITED = 'A worker process has failed to exit gracefully';

trackTimers();

class OpenHandlesReporter {
  constructor() {
    this.workerLeaked = false;
    const original = console.error;
    console.error = (...args) => {
      if (args.some((arg) => String(arg).includes(WORKER_FORCE_EXITED))) this.workerLeaked = true;
      original.apply(console, args);
    };
  }

  onRunComplete() {
    if (this.workerLeaked) {
      console.error(
        '\nA jest worker still had something open after its last spec (named above, "jest worker … still ' +
          'open"): failing the run.',
      );
      process.exitCode = 1;
    }
    setTimeout(() => {
      console.error(
        `\nThe test run ended ${GRACE_MS / 1000} s ago but the process is still open. ${describeOpenHandles()}`,
      );
      process.exit(1);
    }, GRACE_MS).unref();
  }
}

module.exports = OpenHandlesReporter;
