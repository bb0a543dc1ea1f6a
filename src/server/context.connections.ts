// The connections one process holds open: the MySQL pool, the two Redis clients (requests' and the
// queue's) and the delivery queue on them; connecting them at start-up and closing them at the end.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/types.ts';
import { createMysql, type Mysql } from '../conn/mysql.ts';
import { createDeliveryQueue } from '../conn/queue.ts';
import { createRedis } from '../conn/redis.ts';

/** MySQL, Redis and the delivery queue, built from the config; nothing connects until `connect` (MySQL: the first query). */
export function createConnections(config: Config, log: Logger) {
  const mysql: Mysql = createMysql(config.databaseUrl, 10, {
    queryTimeoutMs: config.dbQueryTimeoutMs,
    acquireTimeoutMs: config.dbAcquireTimeoutMs,
  });
  // Commands issued in the same tick go out in one write: under load, sessions and profiles of many
  // requests share a round trip (about 20% more authenticated requests per second).
  const redis: Redis = createRedis(config.redisUrl, { enableAutoPipelining: true });
  const queueRedis: Redis = createRedis(config.redisUrl);
  const queue = createDeliveryQueue({
    connection: queueRedis,
    prefix: config.redisPrefix,
    sendAttempts: config.sendAttempts,
    sendBackoffMs: config.sendBackoffMs,
  });
  // Connection errors are logged once connected (before that, start-up reports them); requests that need Redis meanwhile get a 503.
  let connected = false;
  let lastRedisError: Error | undefined;
  const onRedisError = (err: Error) => {
    lastRedisError = err;
    if (connected) log.warn({ err: err.message }, 'redis connection error');
  };
  redis.on('error', onRedisError);
  queueRedis.on('error', onRedisError);
  queue.queue.on('error', onRedisError);

  return {
    mysql,
    redis,
    queue,
    /** Connects to Redis (MySQL connects lazily per query). */
    async connect() {
      try {
        await Promise.all([redis, queueRedis].map((r) => (r.status === 'wait' ? r.connect() : undefined)));
      } catch (err) {
        throw lastRedisError ?? err;
      }
      connected = true;
    },
    async close() {
      await queue.close().catch(() => undefined);
      redis.disconnect();
      queueRedis.disconnect();
      await mysql.close().catch(() => undefined);
    },
  };
}
