import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { DependencyProbes } from '../../health/dependency-probes';
import { createRedisClient, REDIS_CLIENT, RedisClient } from './redis-client';

const logger = new Logger('Redis');

/**
 * Provides REDIS_CLIENT: one ioredis client from REDIS_URL, or null when it is unset. Start-up never
 * waits for Redis: if it is down the app boots anyway, /health/ready reports `redis` down, and the
 * client keeps reconnecting in the background.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [AppConfig, DependencyProbes],
      useFactory: async (config: AppConfig, probes: DependencyProbes): Promise<RedisClient> => {
        if (!config.redisUrl) return null;
        const client = createRedisClient(config.redisUrl);
        let lastError = '';
        // ioredis emits an error per failed reconnect attempt; log each distinct one once, not every 2 s.
        client.on('error', (err: Error) => {
          if (err.message !== lastError) logger.warn(`redis error: ${err.message}`);
          lastError = err.message;
        });
        client.on('ready', () => {
          if (lastError) logger.log('redis connection restored');
          lastError = '';
        });
        probes.register({ name: 'redis', check: async () => void (await client.ping()) });
        await client.connect().catch(() => undefined); // reported by the 'error' handler; retries go on
        return client;
      },
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    // quit() needs a live connection; while Redis is away, drop the socket and stop reconnecting.
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client?.disconnect());
    else this.client.disconnect();
  }
}
