import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

// Deletes the lease only while it is still the holder's (it may have expired and been taken since).
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * A lease in Redis that at most one process across all workers holds at a time: `run` calls `work`
 * only when it got the lease, and gives it back after. The lease lapses after `ttlMs` if its holder dies.
 */
export function createLease({ redis, prefix, name, ttlMs }: { redis: Redis; prefix: string; name: string; ttlMs: number }) {
  if (!('cnsLeaseRelease' in redis)) redis.defineCommand('cnsLeaseRelease', { numberOfKeys: 1, lua: RELEASE });
  const r = redis as Redis & { cnsLeaseRelease(key: string, token: string): Promise<number> };
  const key = `${prefix}:lease:${name}`;
  return {
    /** work's result, or `undefined` when another process holds the lease. */
    async run<T>(work: () => Promise<T>): Promise<T | undefined> {
      const token = randomBytes(12).toString('hex');
      if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
      try {
        return await work();
      } finally {
        await r.cnsLeaseRelease(key, token).catch(() => undefined);
      }
    },
  };
}
