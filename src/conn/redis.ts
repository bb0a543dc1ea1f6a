import { Redis, type RedisOptions } from 'ioredis';

/**
 * The app's Redis client. Commands fail at once while Redis is down (no offline queue) and after
 * 5 s without an answer, so a request gets a 503 instead of hanging.
 */
export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    // A Redis that accepts connections but does not answer must not hang requests either.
    commandTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}

/** A client for BullMQ workers, which must block and retry forever. */
export function createQueueRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: false, lazyConnect: true });
}
