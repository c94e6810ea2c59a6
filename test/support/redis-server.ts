import { OwnedProcess } from '../../support/processes';
import { until } from './wait';

/** A private redis-server on `port` (no persistence), owned by the test: stopping it stops only it. */
export async function startRedisServer(port: number): Promise<OwnedProcess> {
  const redis = OwnedProcess.start('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ]);
  await until(
    async () => /Ready to accept connections/.test(redis.tail) || !redis.running,
    10_000,
    'redis-server',
  );
  if (!redis.running) throw new Error(`redis-server exited: ${redis.tail}`);
  return redis;
}
