import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { ListCache } from '../domain/stores.ts';

interface Entry {
  gen: string;
  value: unknown;
}

/**
 * ListCache on a Redis counter (`<prefix>:<name>:gen`) and an in-process LRU. The generation is read
 * before the query, so a page loaded while a change commits is kept under the old generation and
 * never served after the change's notice. Entries also expire after `ttlMs`: should a notice be lost
 * (Redis failing between a commit and its INCR), a page is stale for at most that long. With Redis
 * unreachable, reads go to the database.
 */
export function createListCache({ redis, prefix, name, max = 200, ttlMs = 10_000 }: { redis: Redis; prefix: string; name: string; max?: number; ttlMs?: number }): ListCache {
  const genKey = `${prefix}:${name}:gen`;
  const pages = new LRUCache<string, Entry>({ max, ttl: ttlMs });

  return {
    async read<T>(key: string, load: () => Promise<T>): Promise<T> {
      let gen: string;
      try {
        gen = (await redis.get(genKey)) ?? '0';
      } catch {
        return load();
      }
      const hit = pages.get(key);
      if (hit?.gen === gen) return hit.value as T;
      const value = await load();
      pages.set(key, { gen, value });
      return value;
    },
    async changed(): Promise<void> {
      // The change has committed: failing its caller now would only mislead it into retrying.
      // The entries' TTL bounds what a lost notice costs.
      await redis.incr(genKey).catch(() => undefined);
    },
  };
}
