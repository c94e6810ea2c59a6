/* global process, module, require */
/**
 * jest's node environment, plus, in a jest worker process, a last word: jest asks a worker to end after
 * its last spec and SIGTERMs it 500 ms later if something the specs left open keeps it alive. Then this
 * names what is open (as the open-handles reporter does for --runInBand) before the worker exits.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads environments as CommonJS
const { TestEnvironment } = require('jest-environment-node');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { describeOpenHandles, trackTimers } = require('./open-handles');

let installed = false;

function reportOnTermination() {
  if (installed || !process.env.JEST_WORKER_ID || !process.send) return; // not a worker: the reporter sees it
  installed = true;
  trackTimers();
  process.once('SIGTERM', () => {
    process.stderr.write(
      `\njest worker ${process.env.JEST_WORKER_ID} still open after its last spec. ` +
        `${describeOpenHandles([process.channel])}\n`,
    );
    process.exit(1);
  });
}

class LeakReportingEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    reportOnTermination();
  }
}

module.exports = LeakReportingEnvironment;
