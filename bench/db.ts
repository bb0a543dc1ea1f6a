// The benchmark's own MariaDB database and Redis prefix: reset, seeding, neutralising, versions.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';

export const MYSQL_ROOT = 'mysql://root@127.0.0.1:3306';
export const DATABASE = 'cns_bench';
export const REDIS_URL = 'redis://127.0.0.1:6379/0';
export const REDIS_PREFIX = 'cnsbench';
const CUSTOMER_ROLE = 3;

/** Customer i's address (1-based); the sink's counts are checked against these. */
export const customerEmail = (i: number) => `customer${i}@bench.example.test`;

export async function openStores() {
  const root = await mysql.createConnection({ uri: MYSQL_ROOT });
  await root.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
  await root.query(`CREATE DATABASE \`${DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await root.end();
  const pool = mysql.createPool({ uri: `${MYSQL_ROOT}/${DATABASE}`, connectionLimit: 2 });
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  const queue = new Queue('delivery', { connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null }, prefix: REDIS_PREFIX });

  let customers = 0;

  async function clearRedis() {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}:*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  await clearRedis();

  return {
    get customers() {
      return customers;
    },

    /** Bulk-inserts opted-in active customers until there are `target` of them. */
    async growTo(target: number) {
      while (customers < target) {
        const n = Math.min(1000, target - customers);
        const rows = Array.from({ length: n }, (_, k) => {
          const i = customers + k + 1;
          return [customerEmail(i), 'x', `First${i}`, `Last${i}`, CUSTOMER_ROLE, 'active', 1];
        });
        await pool.query('INSERT INTO users (email, password_hash, first_name, last_name, role_id, status, email_opt_in) VALUES ?', [rows]);
        customers += n;
      }
    },

    /** Cancels approved campaigns that must never be sent and drops every queued job. */
    async neutralise(ids: number[]) {
      if (ids.length) await pool.query("UPDATE campaigns SET status = 'cancelled', fanout_done = 1 WHERE id IN (?)", [ids]);
      await queue.obliterate({ force: true });
    },

    /** Worker processes registered on the queue (BullMQ names their connections). */
    workerCount: () => queue.getWorkersCount(),

    async versions() {
      const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
      const info = await redis.info('server');
      return { mariadb: String(rows[0]?.v), redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown' };
    },

    async close() {
      await clearRedis().catch(() => undefined);
      await queue.close().catch(() => undefined);
      redis.disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
export type Stores = Awaited<ReturnType<typeof openStores>>;
