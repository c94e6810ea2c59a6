import { spawn } from 'child_process';
import type { Consumer } from 'kafkajs';

/**
 * An in-memory Kafka broker for tests, without Docker or a JVM: librdkafka's mock cluster, started
 * through `kcat` (Debian package `kcat`; .ci/run installs it).
 *
 * `kcat -C -b dummy:9092 -X test.mock.num.brokers=1 -t <topic> -d mock` replaces the bootstrap servers
 * with a mock broker on a random loopback port and logs `bootstrap.servers=127.0.0.1:NNNN`; the broker
 * lives as long as that kcat process. kcat's own metadata request creates `<topic>` (4 partitions,
 * replication 1), so the topic exists before any test client connects. The mock also auto-creates any
 * other topic on first metadata request, whatever the client's allowAutoTopicCreation says.
 *
 * Findings with kafkajs 2.2.4 against this mock (producer + two consumer groups, fromBeginning:false):
 * - Client: `new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 5,
 *   initialRetryTime: 100 } })`. No SSL/SASL. logLevel NOTHING also hides kafkajs 2's partitioner warning.
 * - Producer: `kafka.producer({ allowAutoTopicCreation: false })`; default partitioner; keys are fine.
 * - Consumer: `kafka.consumer({ groupId, sessionTimeout: 6000, rebalanceTimeout: 3000,
 *   heartbeatInterval: 500, maxWaitTimeInMs: 100 })`. With the defaults (maxWaitTimeInMs 5000) delivery
 *   took ~2 s and disconnect() ~8 s; with these, delivery ~50 ms and disconnect ~100-200 ms.
 * - Join time: a new group's first member joins after ~3.0 s (the mock's fixed initial rebalance
 *   delay; not configurable through kcat). Groups started in parallel all join in ~3.1 s, so start
 *   every consumer before awaiting any. A second member joining an existing group takes ~5 s.
 *   `consumer.run()` resolves only after the join (kafkajs 2.2.4), at the same moment as GROUP_JOIN.
 * - fromBeginning:false = LATEST, resolved lazily at the consumer's first fetch, which starts just
 *   AFTER run() resolves / GROUP_JOIN fires. A message produced before that is never seen, and one
 *   produced right after GROUP_JOIN can be missed too (observed: ListOffsets answered after the
 *   Produce). Wait for the first `consumer.events.FETCH` (see `consumerReady`) before producing.
 * - Each groupId receives every message (fan-out per instance = one groupId per instance).
 * - Disconnect consumers and producers before `stop()`: with the broker gone kafkajs retries and logs.
 */
export interface KafkaMock {
  /** `['127.0.0.1:NNNN']`, for KAFKA_BROKERS / `new Kafka({ brokers })`. */
  brokers: string[];
  /** Kills the kcat process (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;
const KILL_GRACE_MS = 2_000;
const BOOTSTRAP_RE = /bootstrap\.servers=(127\.0\.0\.1:\d+)/;

export async function startKafkaMock(topic = 'ticket-push-events'): Promise<KafkaMock> {
  const child = spawn(
    'kcat',
    ['-C', '-b', 'dummy:9092', '-X', 'test.mock.num.brokers=1', '-t', topic, '-d', 'mock'],
    { detached: false, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // `-d mock` logs every broker request and `-C` prints every message: keep draining both pipes for
  // the whole life of the process, or kcat blocks on a full pipe and the broker stops answering.
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');

  let exited = child.exitCode !== null || child.signalCode !== null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });

  const brokers = await new Promise<string[]>((resolve, reject) => {
    let output = '';
    let settled = false;
    const finish = (err: Error | undefined, value?: string[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        if (!exited && child.pid !== undefined) child.kill('SIGKILL');
        reject(err);
      } else {
        resolve(value as string[]);
      }
    };
    const onData = (chunk: string) => {
      if (settled) return;
      output = (output + chunk).slice(-64 * 1024);
      const match = BOOTSTRAP_RE.exec(output);
      if (match) finish(undefined, [match[1]]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err: NodeJS.ErrnoException) => {
      finish(
        new Error(
          err.code === 'ENOENT'
            ? 'kafka mock: `kcat` is not installed (apt-get install -y kcat)'
            : `kafka mock: cannot start kcat: ${err.message}`,
        ),
      );
    });
    child.once('exit', (code, signal) => {
      finish(
        new Error(
          `kafka mock: kcat exited (code ${code}, signal ${signal}) before printing bootstrap.servers; ` +
            `output: ${output.trim().slice(-500) || '<none>'}`,
        ),
      );
    });
    const timer = setTimeout(() => {
      finish(
        new Error(
          `kafka mock: no bootstrap.servers line from kcat within ${START_TIMEOUT_MS} ms; ` +
            `output: ${output.trim().slice(-500) || '<none>'}`,
        ),
      );
    }, START_TIMEOUT_MS);
  });

  const pid = child.pid as number;
  return {
    brokers,
    async stop(): Promise<void> {
      if (exited) return;
      const alive = () => {
        if (exited) return false;
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        if (alive()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }, KILL_GRACE_MS);
      try {
        await exitPromise;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Resolves once the consumer has joined its group and finished its first fetch, i.e. once its
 * fromBeginning:false (latest) offsets are resolved: messages produced after this are delivered.
 * Call it BEFORE `consumer.run()` so that the first FETCH event is not missed.
 */
export function consumerReady(consumer: Consumer, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      removeListener();
      reject(new Error(`kafka mock: consumer did not join and fetch within ${timeoutMs} ms`));
    }, timeoutMs);
    const removeListener = consumer.on(consumer.events.FETCH, () => {
      clearTimeout(timer);
      removeListener();
      resolve();
    });
  });
}
