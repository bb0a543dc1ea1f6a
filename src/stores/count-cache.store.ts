import type { Redis } from 'ioredis';
import type { CountCache } from '../domain/stores.ts';

/**
 * CountCache in Redis (`<prefix>:<name>:<key>`), each entry kept `ttlSec`. A count is at most that
 * old; with Redis unreachable, every read counts afresh.
 */
export function createCountCache({ redis, prefix, name, ttlSec = 60 }: { redis: Redis; prefix: string; name: string; ttlSec?: number }): CountCache {
  return {
    async read(key: string, load: () => Promise<number>): Promise<number> {
      const k = `${prefix}:${name}:${key}`;
      let hit: string | null;
      try {
        hit = await redis.get(k);
      } catch {
        return load();
      }
      if (hit !== null && /^\d+$/.test(hit)) return Number(hit);
      const n = await load();
      await redis.set(k, String(n), 'EX', ttlSec).catch(() => undefined);
      return n;
    },
  };
}
