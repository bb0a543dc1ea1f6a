import type { Redis } from 'ioredis';
import type { Ping } from '../domain/health.ts';
import type { Mysql } from './mysql.ts';

/** A round trip to MySQL through the pool. */
export const mysqlPing =
  (mysql: Mysql): Ping =>
  async () => {
    await mysql.pool.query('SELECT 1');
  };

/** A PING to Redis. */
export const redisPing =
  (redis: Redis): Ping =>
  async () => {
    await redis.ping();
  };
